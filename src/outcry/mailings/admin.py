"""Composing, checking and sending mailings in the staff admin.

The change page of a mailing shows who it would reach now, its progress while it is sent
and its results afterwards, and has buttons for preview, test send, send/schedule, pause,
resume and cancel. A case's change page links here to draft a mailing of its latest update.
"""

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from outcry.actions.admin_forms import ActionLinkForm
from outcry.cases.models import Case
from outcry.core.audit import audit_record
from outcry.core.crypto import email_hash
from outcry.mailings import selectors, services
from outcry.mailings.models import Mailing, MailingVariant, Segment, SegmentAction
from outcry.supporters.models import Supporter


class SegmentActionForm(ActionLinkForm):
    class Meta:
        model = SegmentAction
        fields = ["took"]


class SegmentActionInline(admin.TabularInline):
    model = SegmentAction
    form = SegmentActionForm
    fields = ["chosen", "took"]
    extra = 1
    verbose_name = _("action")
    verbose_name_plural = _("What they did")


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["subscribed_topics", "subscribed_cases"]
    inlines = [SegmentActionInline]
    readonly_fields = ["reach"]
    fieldsets = [
        (None, {"fields": ["name", "reach"]}),
        (
            _("Subscribed to"),
            {"fields": ["subscribed_countries", "subscribed_topics", "subscribed_cases"]},
        ),
        (_("Who they are"), {"fields": ["countries", "languages"]}),
        (_("When they signed up"), {"fields": ["signed_up_after", "signed_up_before"]}),
    ]

    @admin.display(description=_("reaches now"))
    def reach(self, obj: Segment) -> str:
        if obj.pk is None:
            return "—"
        return _("%(count)s people whose consent covers it") % {
            "count": selectors.segment_supporters(segment=obj).count()
        }


class MailingVariantInline(admin.StackedInline):
    model = MailingVariant
    extra = 1
    fields = ["language", "subject", "preheader", "body", "reason"]

    def has_add_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)


class SendForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        choices=[("now", _("Now")), ("later", _("At a given time"))],
        widget=forms.RadioSelect,
        initial="now",
    )
    at = forms.DateTimeField(
        label=_("Send at (UTC)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("when") == "later":
            at: datetime | None = data.get("at")
            if at is None or at <= timezone.now():
                raise ValidationError(_("Give a time in the future."))
        return data


class PreviewForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"))
    supporter_email = forms.EmailField(
        label=_("As received by (a supporter's email address, optional)"),
        required=False,
        help_text=_("Their real name is used; this read of personal data is logged."),
    )
    test_to = forms.EmailField(label=_("Send a test to"), required=False)

    def __init__(self, *args, languages: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = languages


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "scheduled_at", "progress_summary", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]
    inlines = [MailingVariantInline]
    change_form_template = "admin/mailings/mailing/change_form.html"
    readonly_fields = ["status", "scheduled_at", "started_at", "finished_at", "reach", "results"]
    autocomplete_fields = ["segment"]

    def get_fieldsets(self, request, obj=None):
        main = ["name", "segment", "default_language"]
        if obj is not None and obj.case_update_id:
            main.append("case_update")
        return [
            (None, {"fields": main}),
            (
                _("Sending"),
                {"fields": ["status", "reach", "scheduled_at", "started_at", "finished_at"]},
            ),
            (_("Results"), {"fields": ["results"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_editable:
            fields += ["name", "segment", "default_language", "case_update"]
        elif obj is not None and obj.case_update_id:
            fields.append("case_update")
        return fields

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("progress"))
    def progress_summary(self, obj: Mailing) -> str:
        if obj.status == Mailing.Status.DRAFT:
            return "—"
        progress = selectors.mailing_progress(mailing=obj)
        return f"{progress['done']} / {progress['total']}"

    @admin.display(description=_("recipients"))
    def reach(self, obj: Mailing) -> str:
        if obj.pk is None:
            return "—"
        if obj.is_editable:
            count = selectors.mailing_audience(mailing=obj).count()
            return _(
                "%(count)s people whose consent covers it would get it if it were sent now."
            ) % {"count": count}
        progress = selectors.mailing_progress(mailing=obj)
        return (
            _(
                "%(done)s of %(total)s done (%(sent)s sent, %(pending)s waiting, %(claimed)s being "
                "sent now)."
            )
            % progress
        )

    @admin.display(description=_("results"))
    def results(self, obj: Mailing) -> str:
        if obj.pk is None or obj.is_editable:
            return "—"
        r = selectors.mailing_results(mailing=obj)
        return format_html(
            "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table>",
            _("Sent"),
            _("Failed"),
            _("Bounced"),
            _("Skipped"),
            _("Unsubscribed"),
            _("Actions taken through its links"),
            r["sent"],
            r["failed"],
            r["bounced"],
            r["skipped"],
            r["unsubscribed"],
            r["actions"],
        )

    # Custom pages ---------------------------------------------------------------------

    def get_urls(self):
        own = [
            path("<int:pk>/send/", self.admin_site.admin_view(self.send_view), name="mailing-send"),
            path(
                "<int:pk>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="mailing-preview",
            ),
            path(
                "<int:pk>/state/<str:change>/",
                self.admin_site.admin_view(self.state_view),
                name="mailing-state",
            ),
            path(
                "from-case/<int:case_pk>/",
                self.admin_site.admin_view(self.from_case_view),
                name="mailing-from-case",
            ),
        ]
        return own + super().get_urls()

    def _mailing(self, request, pk: int, *, send: bool = False) -> Mailing:
        mailing = get_object_or_404(Mailing, pk=pk)
        if not self.has_view_permission(request, mailing):
            raise PermissionDenied
        if send and not request.user.has_perm("mailings.send_mailing"):
            raise PermissionDenied
        return mailing

    def _change_url(self, mailing: Mailing) -> str:
        return reverse("admin:mailings_mailing_change", args=[mailing.pk])

    def send_view(self, request, pk: int):
        mailing = self._mailing(request, pk, send=True)
        problems: list[str] = []
        count = 0
        try:
            count = services.mailing_check_ready(mailing=mailing)
        except ValidationError as exc:
            problems = exc.messages
        form = SendForm(request.POST or None)
        if request.method == "POST" and not problems and form.is_valid():
            at = form.cleaned_data["at"] if form.cleaned_data["when"] == "later" else None
            try:
                services.mailing_schedule(mailing=mailing, actor=request.user, at=at)
            except ValidationError as exc:
                problems = exc.messages
            else:
                self.message_user(
                    request,
                    _("Sending to %(count)s people has been scheduled.") % {"count": count},
                    messages.SUCCESS,
                )
                return redirect(self._change_url(mailing))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "mailing": mailing,
            "count": count,
            "problems": problems,
            "form": form,
            "title": _("Send %(name)s") % {"name": mailing.name},
        }
        return TemplateResponse(request, "admin/mailings/mailing/send.html", context)

    def preview_view(self, request, pk: int):
        mailing = self._mailing(request, pk)
        languages = [(v.language, v.get_language_display()) for v in mailing.variants.all()]
        form = PreviewForm(request.POST or None, languages=languages)
        rendered = None
        problems: list[str] = []
        if request.method == "POST" and form.is_valid():
            supporter = None
            address = form.cleaned_data["supporter_email"]
            if address and not request.user.has_perm("supporters.view_supporter"):
                # Campaigners see no one's personal data: they preview with the defaults.
                problems.append(_("Only data-protection staff may preview as a supporter."))
            elif address:
                supporter = Supporter.objects.filter(email_hash=email_hash(address)).first()
                if supporter is None:
                    # A lookup by a person's address is audited even when it finds no one.
                    audit_record(
                        actor=request.user,
                        event="mailings.mailing.previewed_unmatched",
                        obj=mailing,
                    )
                    problems.append(_("No supporter has this address."))
            if not problems:
                try:
                    rendered = services.mailing_render_for(
                        mailing=mailing,
                        language=form.cleaned_data["language"],
                        supporter=supporter,
                        actor=request.user,
                    )
                    if form.cleaned_data["test_to"]:
                        if not request.user.has_perm("mailings.send_mailing"):
                            raise PermissionDenied
                        services.mailing_test_send(
                            mailing=mailing,
                            language=form.cleaned_data["language"],
                            to=form.cleaned_data["test_to"],
                            actor=request.user,
                            supporter=supporter,
                        )
                        self.message_user(
                            request,
                            _("Test sent to %(to)s.") % {"to": form.cleaned_data["test_to"]},
                        )
                except ValidationError as exc:
                    problems.extend(exc.messages)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "mailing": mailing,
            "form": form,
            "rendered": rendered,
            "problems": problems,
            "title": _("Preview of %(name)s") % {"name": mailing.name},
        }
        return TemplateResponse(request, "admin/mailings/mailing/preview.html", context)

    def state_view(self, request, pk: int, change: str):
        mailing = self._mailing(request, pk, send=True)
        if request.method != "POST":
            return redirect(self._change_url(mailing))
        actions = {
            "pause": services.mailing_pause,
            "resume": services.mailing_resume,
            "cancel": services.mailing_cancel,
        }
        if change not in actions:
            raise PermissionDenied
        if actions[change](mailing=mailing, actor=request.user):
            self.message_user(request, _("Done."), messages.SUCCESS)
        else:
            self.message_user(request, _("Nothing changed: the mailing's state did not allow it."))
        return redirect(self._change_url(mailing))

    def from_case_view(self, request, case_pk: int):
        if not self.has_add_permission(request):
            raise PermissionDenied
        case = get_object_or_404(Case, pk=case_pk)
        update = case.updates.order_by("-date", "-created_at").first()
        if request.method != "POST" or update is None:
            if update is None:
                self.message_user(request, _("This case has no update to send."), messages.ERROR)
            return redirect(reverse("admin:cases_case_change", args=[case.pk]))
        try:
            mailing = services.mailing_from_case_update(update=update, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return redirect(reverse("admin:cases_case_change", args=[case.pk]))
        self.message_user(
            request,
            _("A draft mailing of the latest update is ready: check it, preview it and send it."),
            messages.SUCCESS,
        )
        return redirect(self._change_url(mailing))
