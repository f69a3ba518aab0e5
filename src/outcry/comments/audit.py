"""The audit events of comments (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event("comments.comment.approved", _("Comments approved"))
audit_event("comments.comment.rejected", _("Comments rejected"))
audit_event("comments.comment.marked_spam", _("Comments marked as spam"))
audit_event("comments.comment.deleted_by_author", _("Comment deleted by its author"))
