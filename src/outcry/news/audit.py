"""The audit events of news posts (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_events_for_model

audit_events_for_model(
    "news.post",
    _("Post"),
    {
        "created": _("created"),
        "updated": _("updated"),
        "deleted": _("deleted"),
        "published": _("published"),
        "unpublished": _("unpublished"),
    },
)
