import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outcry.core.audit import audit_record
from outcry.core.crypto import PersonalDataKeyMissing, can_unseal, email_hash
from outcry.core.stepup import step_up_is_fresh, step_up_refusal, step_up_required_action
from outcry.supporters.models import ConsentRecord, Supporter, Suppression
from outcry.supporters.selectors import supporter_personal_data
from outcry.supporters.services import supporter_erase, supporter_export


class ConsentInline(admin.TabularInline):
    model = ConsentRecord
    extra = 0
    can_delete = False
    readonly_fields = [
        "purpose",
        "given",
        "wording",
        "wording_version",
        "language",
        "source_url",
        "created_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class FindByEmailForm(forms.Form):
    email = forms.CharField(
        label=_("Full email address"),
        max_length=320,
        help_text=_("Found through its keyed hash; the address itself is not kept or logged."),
    )


class FindByEmailMixin:
    """Staff find rows by a person's full address through a POST form, never by a
    search in the URL (``?q=`` ends up in browser history, proxies and server logs).
    Each search writes an audit row, without the address."""

    change_list_template = "admin/supporters/change_list_find_by_email.html"

    def get_urls(self):
        own = [
            path(
                "find/",
                self.admin_site.admin_view(self.find_by_email_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_find",
            )
        ]
        return own + super().get_urls()

    def find_by_email_view(self, request: HttpRequest) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FindByEmailForm(request.POST if request.method == "POST" else None)
        found = None
        if request.method == "POST" and form.is_valid():
            audit_record(
                actor=request.user,
                event=f"{self.opts.label_lower}.searched",
                extra={"by": "email"},
            )
            found = list(
                self.get_queryset(request).filter(email_hash=email_hash(form.cleaned_data["email"]))
            )
        return TemplateResponse(
            request,
            "admin/supporters/find_by_email.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "form": form,
                "found": found,
                "title": _("Find by email address"),
            },
        )


@admin.register(Supporter)
class SupporterAdmin(FindByEmailMixin, admin.ModelAdmin):
    """Supporters are found by exact email (through the blind index, by POST), never
    listed by name; opening one shows their personal data and writes an audit row."""

    list_display = ["id", "country", "language", "email_confirmed_at", "created_at", "erased_at"]
    list_filter = ["language", "email_confirmed_at", "unsubscribed_at", "erased_at"]
    fields = [
        "personal",
        "country",
        "language",
        "email_confirmed_at",
        "created_at",
        "unsubscribed_at",
        "undeliverable_at",
        "undeliverable_reason",
        "erased_at",
    ]
    readonly_fields = fields
    inlines = [ConsentInline]
    show_full_result_count = False
    actions = ["export_json", "erase"]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("supporters.export_supporter")

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("supporters.erase_supporter")

    @admin.action(
        description=_("Export everything held about them (JSON, audited)"),
        permissions=["export"],
    )
    @step_up_required_action
    def export_json(self, request: HttpRequest, queryset) -> HttpResponse | None:
        """An access request answered by staff: one audit row per supporter exported."""
        if not can_unseal():
            self.message_user(
                request,
                _("This server holds no private key: personal data cannot be exported here."),
                messages.ERROR,
            )
            return None
        supporters = list(queryset.filter(erased_at__isnull=True)[:100])
        data = [supporter_export(supporter=s, actor=request.user) for s in supporters]
        response = HttpResponse(
            json.dumps(data if len(data) != 1 else data[0], indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        name = f"supporter-{supporters[0].pk}" if len(supporters) == 1 else "supporters"
        response["Content-Disposition"] = f'attachment; filename="{name}.json"'
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(
        description=_("Erase their personal data (asks first; audited)"), permissions=["erase"]
    )
    @step_up_required_action
    def erase(self, request: HttpRequest, queryset) -> TemplateResponse | None:
        """An erasure request answered by staff, after a confirmation page."""
        supporters = list(queryset.filter(erased_at__isnull=True))
        if request.POST.get("confirm") != "erase":
            return TemplateResponse(
                request,
                "admin/supporters/erase_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase these supporters' personal data?"),
                    "supporters": supporters,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for supporter in supporters:
            supporter_erase(supporter=supporter, actor=request.user, why="request to staff")
        self.message_user(
            request,
            ngettext("%(count)d supporter erased.", "%(count)d supporters erased.", len(supporters))
            % {"count": len(supporters)},
            messages.SUCCESS,
        )
        return None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if request.method == "GET":
            # Audited only when the page will show the data: a refused or missing record
            # shows nothing, and must not read in the log as a view.
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_view_or_change_permission(request, obj):
                if not step_up_is_fresh(request):
                    return step_up_refusal(request)
                audit_record(actor=request.user, event="supporters.supporter.viewed", obj=obj)
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Personal data"))
    def personal(self, obj: Supporter) -> str:
        try:
            data = supporter_personal_data(supporter=obj)
        except PersonalDataKeyMissing:
            return _("This server holds no private key: personal data cannot be shown here.")
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", sorted(data.items()))


@admin.register(Suppression)
class SuppressionAdmin(FindByEmailMixin, admin.ModelAdmin):
    """Addresses never to be mailed, by keyed hash only. Found by typing the full address."""

    list_display = ["reason", "created_at"]
    list_filter = ["reason"]
    readonly_fields = ["email_hash", "reason", "created_at"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
