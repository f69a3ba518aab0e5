"""The audit events of cases and their updates (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outcry.core.audit import audit_event, audit_events_for_model

audit_events_for_model(
    "cases.case",
    _("Case"),
    {
        "created": pgettext_lazy("audit", "created"),
        "updated": pgettext_lazy("audit", "updated"),
        "deleted": pgettext_lazy("audit", "deleted"),
        "published": pgettext_lazy("audit", "published"),
        "unpublished": pgettext_lazy("audit", "unpublished"),
        "status_changed": pgettext_lazy("audit", "status changed"),
    },
)
audit_event("cases.case.sensitive_notes_viewed", _("Case's sensitive notes viewed"))
audit_events_for_model(
    "cases.caseupdate",
    _("Case update"),
    {
        "added": pgettext_lazy("audit", "added"),
        "changed": pgettext_lazy("audit", "changed"),
        "removed": pgettext_lazy("audit", "removed"),
        "published": pgettext_lazy("audit", "published"),
        "unpublished": pgettext_lazy("audit", "unpublished"),
    },
)
