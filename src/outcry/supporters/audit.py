"""The audit events of supporters' data (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event("supporters.supporter.viewed", _("Supporter's personal data viewed"))
audit_event("supporters.supporter.searched", _("Supporters searched by email address"))
audit_event("supporters.supporter.exported", _("Supporter's data exported"))
audit_event("supporters.supporter.erased", _("Supporter's personal data erased"))
audit_event("supporters.suppression.searched", _("Suppression list searched by email address"))
