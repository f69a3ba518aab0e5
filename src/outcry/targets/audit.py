"""The audit events of targets and their offices (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event("targets.office.email_changed", _("Office's email address changed"))
audit_event("targets.office.email_confirmed", _("Office's email address confirmed"))
audit_event("targets.office.imported", _("Offices and their holders imported"))
audit_event("targets.tenure.created", _("Tenure added"))
audit_event("targets.tenure.changed", _("Tenure changed"))
audit_event("targets.tenure.deleted", _("Tenure deleted"))
