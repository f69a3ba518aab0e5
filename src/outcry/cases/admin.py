from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from outcry.cases import services
from outcry.cases.models import Case, CaseUpdate
from outcry.core.audit import audit_record
from outcry.core.content import form_fields
from outcry.core.stepup import second_factor_url, step_up_is_fresh

SENSITIVE_NOTES_PERM = "cases.view_sensitive_notes"


class CaseUpdateInline(TranslationTabularInline):
    model = CaseUpdate
    extra = 1
    fields = ["date", "title", "body", "new_status"]


@admin.register(Case)
class CaseAdmin(TranslationAdmin):
    list_display = ["name", "country", "status", "is_published", "updated_at"]
    list_filter = ["status", "is_published", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CaseUpdateInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_pseudonym", "country", "status", "is_published"]}),
        ("Story", {"fields": ["occupation", "summary", "description"]}),
        ("Never published", {"fields": ["sensitive_notes"]}),
    ]

    def _shows_sensitive_notes(self, request, obj) -> bool:
        # An existing case's notes open only after a recent second factor (step-up); a new
        # case has none to read yet.
        return request.user.has_perm(SENSITIVE_NOTES_PERM) and (
            obj is None or step_up_is_fresh(request)
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self._shows_sensitive_notes(request, obj):
            return fieldsets
        # Hidden, not read-only: the form then neither shows nor takes the notes, so saving
        # the case without the permission leaves them as they were.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "sensitive_notes"]})
            for name, options in fieldsets
            if [f for f in options["fields"] if f != "sensitive_notes"]
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Showing an existing case's form with the notes is a read of who the person really
        # is: audited, without the notes themselves.
        if obj is not None and request.user.has_perm(SENSITIVE_NOTES_PERM):
            if not self._shows_sensitive_notes(request, obj):
                # Hidden, and saving leaves them as they were; a link opens them.
                messages.info(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        _("The never-published notes are hidden until you confirm it is you."),
                        second_factor_url(request.get_full_path()),
                        _("Confirm with your second factor"),
                    ),
                )
                return super().render_change_form(request, context, add, change, form_url, obj)
            audit_record(
                actor=request.user,
                event="cases.case.sensitive_notes_viewed",
                obj=obj,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Once a dated update has set the status, the timeline decides it (the services):
        # an editable status field would take a value only to have it silently replaced.
        if obj is not None and obj.updates.exclude(new_status="").exists():
            fields.append("status")
        return fields

    # The form is built here; every write, its audit row and the search index are the
    # services'.
    def save_model(self, request, obj: Case, form, change: bool) -> None:
        fields = form_fields(form)
        if change:
            services.case_update(case=obj, fields=fields, actor=request.user)
            return
        case = services.case_create(fields=fields, actor=request.user)
        obj.pk = case.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not CaseUpdate:
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)
        for update in formset.deleted_objects:
            services.case_update_remove(update=update, actor=request.user)
        for update in rows:
            if update.pk is None:
                services.case_update_add(
                    case=form.instance,
                    date=update.date,
                    title=update.title,
                    body=update.body,
                    new_status=update.new_status,
                    translations=_translations(update),
                    actor=request.user,
                )
        for update, changed in formset.changed_objects:
            names = {f.name for f in CaseUpdate._meta.concrete_fields}
            fields = {name: getattr(update, name) for name in changed if name in names}
            services.case_update_change(update=update, fields=fields, actor=request.user)

    def delete_model(self, request, obj: Case) -> None:
        services.case_delete(case=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for case in queryset:
            services.case_delete(case=case, actor=request.user)


def _translations(update: CaseUpdate) -> dict[str, dict[str, str]]:
    return {
        language: {
            "title": getattr(update, f"title_{language}"),
            "body": getattr(update, f"body_{language}"),
        }
        for language, _name in settings.LANGUAGES
    }
