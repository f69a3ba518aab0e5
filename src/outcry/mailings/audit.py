"""The audit events of mailings (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event, audit_events_for_model

audit_events_for_model(
    "mailings.mailing",
    _("Mailing"),
    {
        "scheduled": _("scheduled"),
        "paused": _("paused"),
        "resumed": _("resumed"),
        "cancelled": _("cancelled"),
        "test_sent": _("test sent"),
        "drafted_from_case_update": _("drafted from a case update"),
    },
)
audit_event("mailings.mailing.previewed", _("Mailing previewed for a supporter"))
audit_event("mailings.mailing.previewed_unmatched", _("Mailing preview found no supporter"))
