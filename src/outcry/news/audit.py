"""The audit events of news posts (see ``outcry.core.audit``)."""

from django.utils.translation import pgettext_lazy

from outcry.core.audit import audit_events_for_model

audit_events_for_model(
    "news.post",
    pgettext_lazy("audit", "News post"),
    {
        "created": pgettext_lazy("audit", "created"),
        "updated": pgettext_lazy("audit", "updated"),
        "deleted": pgettext_lazy("audit", "deleted"),
        "published": pgettext_lazy("audit", "published"),
        "unpublished": pgettext_lazy("audit", "unpublished"),
    },
)
