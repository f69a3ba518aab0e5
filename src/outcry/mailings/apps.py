from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailingsConfig(AppConfig):
    name = "outcry.mailings"
    label = "mailings"
    verbose_name = _("Mailings")

    def ready(self) -> None:
        from outcry.mailings import personal_data, receivers

        personal_data.register()
        receivers.connect()
