"""The audit events of mailings (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outcry.core.audit import audit_event, audit_events_for_model

audit_events_for_model(
    "mailings.mailing",
    _("Mailing"),
    {
        "scheduled": pgettext_lazy("audit", "scheduled"),
        "paused": pgettext_lazy("audit", "paused"),
        "resumed": pgettext_lazy("audit", "resumed"),
        "cancelled": pgettext_lazy("audit", "cancelled"),
        "test_sent": pgettext_lazy("audit", "test sent"),
        "drafted_from_case_update": pgettext_lazy("audit", "drafted from a case update"),
    },
)
audit_event("mailings.mailing.previewed", _("Mailing previewed for a supporter"))
audit_event("mailings.mailing.previewed_unmatched", _("Mailing preview found no supporter"))
