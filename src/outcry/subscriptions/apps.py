from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "outcry.subscriptions"
    label = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from outcry.actions import hooks
        from outcry.actions.personal_data import personal_data_models
        from outcry.subscriptions import personal_data as subscriptions_data
        from outcry.subscriptions import retention, services
        from outcry.supporters import personal_data

        personal_data.register(
            "subscriptions",
            export=subscriptions_data.subscriptions_export,
            erase=subscriptions_data.subscriptions_erase,
            withdraw=services.subscriptions_end_all,
            # A subscription request lives seconds, sealed, until the worker takes it; an
            # erasure leaves a suppression, so the worker drops the request of the erased.
            models=("subscriptions.subscription", "subscriptions.subscriptionrequest"),
            # Participants of every action type, never-confirmed subscribers, the files of
            # delivered packages; the other apps' own retention runs with it.
            retain=retention.retention_run_all,
            retains=lambda: (
                "supporters.supporter",
                "supporters.consentrecord",
                *personal_data_models(),  # every registered action kind's participations
                "subscriptions.subscription",
                "subscriptions.subscriptionrequest",
                "deliveries.deliverypackage",
            ),
        )
        # "Keep me informed" becomes a subscription once the signature or letter is confirmed.
        hooks.on_confirmed("subscriptions", services.subscription_from_confirmation)
