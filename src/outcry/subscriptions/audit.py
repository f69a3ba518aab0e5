"""The audit events of subscriptions (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event(
    "subscriptions.subscription.unconfirmed_erased", _("Never-confirmed subscribers erased")
)
