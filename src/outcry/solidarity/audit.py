"""The audit events of messages of solidarity (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event("solidarity.solidaritymessage.viewed", _("Messages of solidarity read"))
audit_event("solidarity.solidaritymessage.approved", _("Messages of solidarity approved"))
audit_event("solidarity.solidaritymessage.rejected", _("Messages of solidarity rejected"))
audit_event("solidarity.solidaritypack.exported", _("Solidarity pack made"))
audit_event("solidarity.solidaritypack.downloaded", _("Solidarity pack downloaded"))
audit_event("solidarity.solidaritypack.handed_over", _("Solidarity pack handed over"))
audit_event(
    "solidarity.solidarityaction.messages_shown", _("Messages of solidarity shown on the case page")
)
audit_event(
    "solidarity.solidarityaction.messages_hidden",
    _("Messages of solidarity hidden from the case page"),
)
