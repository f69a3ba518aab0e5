from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_record
from outcry.core.crypto import PersonalDataKeyMissing, email_hash
from outcry.core.models import AuditEvent
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.supporters.selectors import supporter_personal_data


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


@admin.register(Supporter)
class SupporterAdmin(admin.ModelAdmin):
    """Supporters are found by exact email (through the blind index), never listed by
    name; opening one shows their personal data and writes an audit row."""

    list_display = ["id", "country", "language", "email_confirmed_at", "created_at"]
    list_filter = ["language", "email_confirmed_at"]
    search_fields = ["email_hash"]
    search_help_text = _("Search by the full email address.")
    fields = ["personal", "country", "language", "email_confirmed_at", "created_at"]
    readonly_fields = fields
    inlines = [ConsentInline]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        if not search_term:
            return queryset, False
        audit_record(
            actor=request.user,
            action=AuditEvent.Action.SEARCH_PERSONAL_DATA,
            object_type="supporters.supporter",
            detail="search by email",
        )
        return queryset.filter(email_hash=email_hash(search_term)), False

    def change_view(self, request: HttpRequest, object_id: str, form_url="", extra_context=None):
        if request.method == "GET":
            # Audited only when the page will show the data: a refused or missing record
            # shows nothing, and must not read in the log as a view.
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.has_view_or_change_permission(request, obj):
                audit_record(
                    actor=request.user, action=AuditEvent.Action.VIEW_PERSONAL_DATA, obj=obj
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("Personal data"))
    def personal(self, obj: Supporter) -> str:
        try:
            data = supporter_personal_data(supporter=obj)
        except PersonalDataKeyMissing:
            return _("This server holds no private key: personal data cannot be shown here.")
        return format_html_join("", "<div><strong>{}</strong>: {}</div>", sorted(data.items()))
