from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "outcry.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate
        from django.utils.module_loading import autodiscover_modules

        from outcry.core import (
            checks,  # noqa: F401 - registers the deployment checks
            logins,  # noqa: F401 - connects the login audit receivers
            staffauth,  # noqa: F401 - connects the second-factor receivers
        )
        from outcry.core.roles import roles_sync
        from outcry.core.staff_admin import staff_admin_register

        staff_admin_register()

        # Every app's audit.py declares the audit events it writes (see core/audit.py).
        autodiscover_modules("audit")
        # Runs after every app's migrations, so all permissions exist by then.
        post_migrate.connect(roles_sync, dispatch_uid="outcry.core.roles_sync")
