from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveriesConfig(AppConfig):
    name = "outcry.deliveries"
    label = "deliveries"
    verbose_name = _("Deliveries")

    def ready(self) -> None:
        from outcry.deliveries.services import packages_erase_supporter, packages_export_supporter
        from outcry.supporters import personal_data

        personal_data.register(
            "deliveries",
            export=packages_export_supporter,
            erase=packages_erase_supporter,
            models=("deliveries.deliverypackage",),
        )
