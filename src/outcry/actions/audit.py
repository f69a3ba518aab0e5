"""The audit events of actions and participations (see ``outcry.core.audit``).

Every concrete kind of action (petitions here, messages of solidarity in their own app)
gets the content events ``outcry.actions.content`` writes, and the retention run's."""

from django.apps import apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from outcry.actions.models import Action
from outcry.core.audit import audit_event, audit_events_for_model

ACTION_VERBS = {
    "created": pgettext_lazy("audit", "created"),
    "updated": pgettext_lazy("audit", "updated"),
    "deleted": pgettext_lazy("audit", "deleted"),
    "published": pgettext_lazy("audit", "published"),
    "closed": pgettext_lazy("audit", "closed"),
    "withdrawn": pgettext_lazy("audit", "withdrawn"),
    "paused": pgettext_lazy("audit", "signing paused"),
    "resumed": pgettext_lazy("audit", "signing resumed"),
    "recounted": pgettext_lazy("audit", "recounted"),
    "anonymised": pgettext_lazy("audit", "participants anonymised after the retention period"),
}

for model in apps.get_models():
    if issubclass(model, Action):
        audit_events_for_model(model._meta.label_lower, model._meta.verbose_name, ACTION_VERBS)

audit_event("actions.signature.approved", _("Signatures approved"))
audit_event("actions.signature.rejected", _("Signatures rejected"))
audit_event("actions.signature.exported", _("Signatures exported"))
audit_event("actions.offlinesignatures.added", _("Offline signatures added"))
audit_event("actions.offlinesignatures.removed", _("Offline signatures removed"))
audit_event("actions.blockedsource.added", _("Source blocked"))
audit_event("actions.blockedsource.removed", _("Source unblocked"))
audit_event("actions.letter.viewed", _("Held letter read"))
audit_event("actions.letter.approved", _("Held letters approved"))
audit_event("actions.letter.rejected", _("Held letters refused"))
audit_event("actions.letter.resumed", _("Letters resumed"))
