from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "outcry.actions"
    label = "actions"
    verbose_name = _("Actions")

    def ready(self) -> None:
        from outcry.actions.types import register_action_types

        register_action_types()

        from outcry.actions.selectors import case_page_actions
        from outcry.cases.hooks import case_actions_provide

        case_actions_provide("actions", case_page_actions)

        from outcry.actions.personal_data import (
            actions_erase,
            actions_export,
            actions_withdraw,
            personal_data_models,
        )
        from outcry.supporters import personal_data

        personal_data.register(
            "actions",
            export=actions_export,
            erase=actions_erase,
            withdraw=actions_withdraw,
            # A function: kinds other apps register later are covered too.
            models=personal_data_models,
        )
