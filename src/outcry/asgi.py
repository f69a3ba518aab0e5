import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outcry.settings")
application = get_asgi_application()

from outcry.core.http import client_ip_configuration_check  # noqa: E402 - needs settings
from outcry.core.secrets import secrets_configuration_check  # noqa: E402 - needs settings

secrets_configuration_check()
client_ip_configuration_check()
