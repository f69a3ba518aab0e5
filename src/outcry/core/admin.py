from django.contrib import admin
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event_label
from outcry.core.audit_trail import audit_trail_view
from outcry.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The raw trail, read-only for everyone; ``trail/`` is the page that answers questions."""

    list_display = ["created_at", "actor_username", "event_label", "object_type", "object_id"]
    list_filter = ["event", "actor_kind", "object_type"]
    search_fields = ["actor_username", "object_id", "event"]
    date_hierarchy = "created_at"
    change_list_template = "admin/core/auditevent/change_list.html"

    @admin.display(description=_("event"), ordering="event")
    def event_label(self, obj: AuditEvent) -> str:
        return audit_event_label(obj.event)

    def get_urls(self):
        return [
            path(
                "trail/",
                self.admin_site.admin_view(audit_trail_view(self.admin_site)),
                name="core_auditevent_trail",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        trail_url = reverse("admin:core_auditevent_trail")
        extra_context = {**(extra_context or {}), "trail_url": trail_url}
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
