from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from outcry.targets import services
from outcry.targets.models import Office, Target, Tenure


class TenureInline(admin.TabularInline):
    model = Tenure
    extra = 1
    fields = ["office", "target", "started_on", "ended_on"]
    autocomplete_fields = ["office", "target"]
    ordering = ["-started_on"]


@admin.register(Office)
class OfficeAdmin(TranslationAdmin):
    list_display = ["title", "organisation", "country", "current_holder", "email_bounced_at"]
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
    readonly_fields = ["email_bounced_at", "email_bounce_reason"]
    inlines = [TenureInline]
    fieldsets = [
        (None, {"fields": ["title", "key", "organisation"]}),
        (_("Post and telephone"), {"fields": ["address", "country", "phone", "fax"]}),
        (
            _("Online"),
            {"fields": ["email", "email_bounced_at", "email_bounce_reason", "contact_url"]},
        ),
        (_("Calls"), {"fields": ["timezone", "office_hours"]}),
        (_("For campaigners"), {"fields": ["languages", "notes"]}),
    ]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("tenures__target")

    @admin.display(description=_("holder today"))
    def current_holder(self, office: Office) -> str:
        current = [t for t in office.tenures.all() if t.ended_on is None]
        return str(current[0].target) if current else "—"

    def save_model(self, request, obj: Office, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        # A corrected address is worth trying again.
        if change and "email" in form.changed_data and obj.email_bounced_at is not None:
            services.office_clear_email_bounce(office=obj)


@admin.register(Target)
class TargetAdmin(TranslationAdmin):
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
