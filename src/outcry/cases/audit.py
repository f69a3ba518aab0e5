"""The audit events of cases and their updates (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event, audit_events_for_model

audit_events_for_model(
    "cases.case",
    _("Case"),
    {
        "created": _("created"),
        "updated": _("updated"),
        "deleted": _("deleted"),
        "published": _("published"),
        "unpublished": _("unpublished"),
        "status_changed": _("status changed"),
    },
)
audit_event("cases.case.sensitive_notes_viewed", _("Case's sensitive notes viewed"))
audit_events_for_model(
    "cases.caseupdate",
    _("Case update"),
    {
        "added": _("added"),
        "changed": _("changed"),
        "removed": _("removed"),
        "published": _("published"),
        "unpublished": _("unpublished"),
    },
)
