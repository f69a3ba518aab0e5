from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "outcry.actions"
    label = "actions"
    verbose_name = _("Actions")

    def ready(self) -> None:
        from outcry.actions import personal_data as actions_data
        from outcry.supporters import personal_data

        personal_data.register(
            "signatures",
            export=actions_data.signatures_export,
            erase=actions_data.signatures_erase,
            withdraw=actions_data.signatures_withdraw,
        )
