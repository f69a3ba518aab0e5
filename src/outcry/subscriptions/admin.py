from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from outcry.subscriptions.models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Who follows what, by supporter number only: no names or addresses here. Staff
    change subscriptions only through the supporter's own preference centre."""

    list_display = ["id", "supporter_id", "kind", "subject", "language", "confirmed_at", "ended_at"]
    list_filter = ["kind", "language", "country", "topic", "case"]
    list_select_related = ["topic", "case"]
    readonly_fields = [
        "supporter",
        "kind",
        "country",
        "topic",
        "case",
        "language",
        "created_at",
        "confirmed_at",
        "ended_at",
    ]
    fields = readonly_fields
    show_full_result_count = False

    @admin.display(description=_("about"))
    def subject(self, obj: Subscription) -> str:
        return obj.subject

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
