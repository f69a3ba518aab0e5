from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from outcry.cases.models import Case, CaseUpdate
from outcry.cases.services import case_sync_status


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

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Once a dated update has set the status, the timeline decides it (save_related):
        # an editable status field would take a value only to have it silently replaced.
        if obj is not None and obj.updates.exclude(new_status="").exists():
            fields.append("status")
        return fields

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        # A dated update with a new status is how a campaigner changes the status.
        case_sync_status(case=form.instance)
