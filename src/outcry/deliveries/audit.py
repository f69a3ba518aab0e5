"""The audit events of deliveries (see ``outcry.core.audit``)."""

from django.utils.translation import gettext_lazy as _

from outcry.core.audit import audit_event

audit_event("deliveries.deliverypackage.exported", _("Delivery package made (names exported)"))
audit_event("deliveries.deliverypackage.downloaded", _("Delivery package downloaded"))
audit_event("deliveries.deliverypackage.files_expired", _("Delivered packages' files deleted"))
audit_event("deliveries.delivery.recorded", _("Delivery recorded"))
audit_event("deliveries.delivery.outcome_recorded", _("Delivery outcome recorded"))
