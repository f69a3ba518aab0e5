"""The moderation queue: comments by state, why each was held, bulk approve/reject/spam.

The commenter's email is never shown here either (not even sealed); the address hash is
not shown. Moderators change a comment's state only through the audited bulk actions.
"""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import truncatechars
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outcry.comments import services
from outcry.comments.models import BlockedTerm, Comment, CommentReport


class CommentReportInline(admin.TabularInline):
    model = CommentReport
    fields = ["created_at", "reason"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "excerpt",
        "author_name",
        "post",
        "state",
        "held_reason",
        "report_count",
        "is_reply",
        "created_at",
    ]
    list_display_links = ["id", "excerpt"]
    list_filter = ["state", "post__comment_mode", "created_at"]
    list_select_related = ["post"]
    search_fields = ["body", "author_name", "held_reason"]
    date_hierarchy = "created_at"
    fields = [
        "post",
        "parent",
        "author_name",
        "body",
        "state",
        "held_reason",
        "report_count",
        "language",
        "has_email",
        "created_at",
        "moderated_at",
        "moderated_by",
        "deleted_at",
    ]
    readonly_fields = fields
    inlines = [CommentReportInline]
    actions = ["approve", "reject", "mark_spam"]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return super().get_queryset(request).defer("email_sealed", "ip_hash")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("comment"))
    def excerpt(self, obj: Comment) -> str:
        return truncatechars(obj.body, 80)

    @admin.display(description=_("reply"), boolean=True)
    def is_reply(self, obj: Comment) -> bool:
        return obj.parent_id is not None

    @admin.display(description=_("email given"), boolean=True)
    def has_email(self, obj: Comment) -> bool:
        return bool(obj.email_hash)

    @admin.action(
        description=_("Approve selected comments (they will show)"), permissions=["change"]
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = services.comment_approve(comments=queryset, actor=request.user)
        self.message_user(
            request, ngettext("%d comment approved.", "%d comments approved.", changed) % changed
        )

    @admin.action(
        description=_("Reject selected comments (they will not show)"), permissions=["change"]
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = services.comment_reject(comments=queryset, actor=request.user)
        self.message_user(
            request, ngettext("%d comment rejected.", "%d comments rejected.", changed) % changed
        )

    @admin.action(description=_("Mark selected comments as spam"), permissions=["change"])
    def mark_spam(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        changed = services.comment_mark_spam(comments=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext("%d comment marked as spam.", "%d comments marked as spam.", changed)
            % changed,
        )


@admin.register(BlockedTerm)
class BlockedTermAdmin(admin.ModelAdmin):
    list_display = ["term", "kind", "effect", "note", "created_at"]
    list_filter = ["kind", "effect"]
    search_fields = ["term", "note"]
    fields = ["term", "kind", "effect", "note"]
