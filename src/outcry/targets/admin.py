import re
import secrets
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from outcry.core.audit import audit_record
from outcry.core.stepup import step_up_is_fresh, step_up_refusal_text, step_up_required_action
from outcry.targets import imports, services
from outcry.targets.models import Office, Target, Tenure


def tenures_audit(*, request: HttpRequest, formset) -> None:
    """Audit what a Tenure inline just saved: who holds which office from when to when."""
    for tenure in formset.new_objects:
        audit_record(
            actor=request.user, event="targets.tenure.created", obj=tenure, extra=_tenure(tenure)
        )
    for tenure, fields in formset.changed_objects:
        audit_record(
            actor=request.user,
            event="targets.tenure.changed",
            obj=tenure,
            extra={**_tenure(tenure), "fields": fields},
        )
    for tenure in formset.deleted_objects:
        audit_record(actor=request.user, event="targets.tenure.deleted", extra=_tenure(tenure))


def _tenure(tenure: Tenure) -> dict:
    return {
        "office_id": tenure.office_id,
        "target_id": tenure.target_id,
        "started_on": tenure.started_on,
        "ended_on": tenure.ended_on,
    }


class DirectoryAdmin(TranslationAdmin):
    """What the admin saves or deletes here (an office, a person, their tenures) is on
    public letter and call pages: cached copies are made stale."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.directory_changed()

    def save_formset(self, request: HttpRequest, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is Tenure:
            tenures_audit(request=request, formset=formset)
        services.directory_changed()

    def delete_model(self, request: HttpRequest, obj) -> None:
        super().delete_model(request, obj)
        services.directory_changed()

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        super().delete_queryset(request, queryset)
        services.directory_changed()


class TenureInline(admin.TabularInline):
    model = Tenure
    extra = 1
    fields = ["office", "target", "started_on", "ended_on"]
    autocomplete_fields = ["office", "target"]
    ordering = ["-started_on"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 (with or without BOM), comma separated, the template's columns."),
    )


IMPORT_DIR = "target-imports"
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
PREVIEW_KEPT = timedelta(days=1)


def _forget_abandoned_previews(storage) -> None:
    """Uploads previewed and never confirmed are removed after a day."""
    try:
        _dirs, files = storage.listdir(IMPORT_DIR)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{IMPORT_DIR}/{name}"
        if storage.get_modified_time(path) < timezone.now() - PREVIEW_KEPT:
            storage.delete(path)


@admin.register(Office)
class OfficeAdmin(DirectoryAdmin):
    change_list_template = "targets/admin/office_change_list.html"
    list_display = [
        "title",
        "organisation",
        "country",
        "current_holder",
        "email_bounced_at",
        "email_held_since",
    ]
    list_filter = ["country"]
    search_fields = [
        "key",
        "title",
        "organisation",
        "country",
        "tenures__target__name",
        "email",
    ]
    prepopulated_fields = {"key": ["title"]}
    readonly_fields = ["email_bounced_at", "email_bounce_reason", "email_held_since"]
    inlines = [TenureInline]

    actions = ["confirm_email"]
    fieldsets = [
        (None, {"fields": ["title", "key", "organisation"]}),
        (_("Post and telephone"), {"fields": ["address", "country", "phone", "fax"]}),
        (
            _("Online"),
            {
                "fields": [
                    "email",
                    "email_held_since",
                    "email_bounced_at",
                    "email_bounce_reason",
                    "contact_url",
                ]
            },
        ),
        (_("Calls"), {"fields": ["timezone", "office_hours"]}),
        (_("For campaigners"), {"fields": ["languages", "notes"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("tenures__target")

    def has_change_email_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm(services.EMAIL_PERM)

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            return form

        class OfficeForm(form):
            def clean_email(self):
                # Where queued letters go: changed only after a recent second factor. The
                # form comes back with the refusal and a link; nothing is saved.
                if "email" in self.changed_data and not step_up_is_fresh(request):
                    raise ValidationError(step_up_refusal_text(request.get_full_path()))
                return self.cleaned_data.get("email")

        return OfficeForm

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A new office has no letters waiting for it; an existing one's address is where
        # its queued letters go, so only administrators change it.
        if obj is not None and not self.has_change_email_permission(request, obj):
            fields.append("email")
        return fields

    @admin.action(
        description=_("Confirm the new email address: waiting letters may go to it"),
        permissions=["change_email"],
    )
    @step_up_required_action
    def confirm_email(self, request: HttpRequest, queryset) -> None:
        confirmed = sum(
            services.office_email_confirm(office=office, actor=request.user) for office in queryset
        )
        self.message_user(
            request,
            _(
                "Confirmed %(count)s addresses. Letters waiting for them go at the next "
                'dispatch; "Send again the letters refused after a bounce" on a letter '
                "action sends its letters now."
            )
            % {"count": confirmed},
            messages.SUCCESS,
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "contact_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="targets_office_import",
            ),
            path(
                "import/template.csv",
                self.admin_site.admin_view(self.import_template_view),
                name="targets_office_import_template",
            ),
        ] + super().get_urls()

    def _can_import(self, request: HttpRequest) -> bool:
        user = request.user
        return all(
            user.has_perm(f"targets.{perm}")
            for perm in ("add_office", "change_office", "add_target", "change_target")
        )

    def import_template_view(self, request: HttpRequest) -> HttpResponse:
        # Only a blank template, but offered only beside the import, to those who may import.
        if not self._can_import(request):
            raise PermissionDenied
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="targets-template.csv"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → preview (every row error, nothing written) → confirm (all or nothing).

        Between preview and confirm the upload waits in private storage under a random
        token; confirming reads it again, so what is imported is what was previewed.
        """
        if not self._can_import(request):
            raise PermissionDenied
        storage = storages["private"]
        _forget_abandoned_previews(storage)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import offices and their holders from CSV"),
            "columns": imports.column_names(),
            "required": imports.required_column_names(),
        }
        form = ImportUploadForm()
        if request.method == "POST" and "token" in request.POST:
            token = request.POST["token"]
            if not TOKEN_RE.match(token) or not storage.exists(f"{IMPORT_DIR}/{token}.csv"):
                raise Http404
            name = f"{IMPORT_DIR}/{token}.csv"
            try:
                with storage.open(name, "rb") as f:
                    report = imports.targets_import(file=f, actor=request.user)
            except imports.ImportFileError as exc:
                context.update(file_error=str(exc), form=form)
                return TemplateResponse(request, "targets/admin/import.html", context)
            if report.ok:
                storage.delete(name)
                self.message_user(
                    request,
                    _(
                        "Imported %(rows)s rows: %(new)s new offices, %(changed)s changed; "
                        "%(people)s new people; %(holders)s new holders."
                    )
                    % {
                        "rows": report.rows,
                        "new": report.offices_new,
                        "changed": report.offices_changed,
                        "people": report.people_new,
                        "holders": report.holders_changed,
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:targets_office_changelist"))
            context.update(report=report, form=form)
            return TemplateResponse(request, "targets/admin/import.html", context)
        if request.method == "POST":
            form = ImportUploadForm(request.POST, request.FILES)
            if form.is_valid():
                token = secrets.token_hex(16)
                name = storage.save(f"{IMPORT_DIR}/{token}.csv", form.cleaned_data["file"])
                try:
                    with storage.open(name, "rb") as f:
                        report = imports.targets_import_check(file=f)
                except imports.ImportFileError as exc:
                    storage.delete(name)
                    context.update(file_error=str(exc), form=form)
                    return TemplateResponse(request, "targets/admin/import.html", context)
                if not report.ok:
                    storage.delete(name)
                context.update(report=report, token=token if report.ok else "", form=form)
                return TemplateResponse(request, "targets/admin/import.html", context)
        context["form"] = form
        return TemplateResponse(request, "targets/admin/import.html", context)

    @admin.display(description=_("holder today"))
    def current_holder(self, office: Office) -> str:
        current = [t for t in office.tenures.all() if t.ended_on is None]
        return str(current[0].target) if current else "—"

    def save_model(self, request, obj: Office, form, change: bool) -> None:
        if not (change and "email" in form.changed_data):
            super().save_model(request, obj, form, change)
            return
        # The address changes through its service (administrators only, audited, letters
        # held); the rest of the form is saved with the address it had.
        email = obj.email
        obj.email = form.initial["email"]
        super().save_model(request, obj, form, change)
        services.office_email_change(office=obj, email=email, actor=request.user)


@admin.register(Target)
class TargetAdmin(DirectoryAdmin):
    list_display = ["name", "honorific", "offices_held"]
    search_fields = [
        "key",
        "name",
        "tenures__office__title",
        "tenures__office__organisation",
        "tenures__office__country",
    ]
    prepopulated_fields = {"key": ["name"]}
    inlines = [TenureInline]

    fields = ["name", "key", "honorific", "salutation", "languages", "notes"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("tenures__office")

    @admin.display(description=_("offices"))
    def offices_held(self, target: Target) -> str:
        return "; ".join(
            str(t.office) + ("" if t.ended_on is None else f" (→ {t.ended_on:%Y})")
            for t in target.tenures.all()
        )
