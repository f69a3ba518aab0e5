"""The ``outcry`` console script: Django's management commands for this project."""

import os
import sys

from django.core.management import execute_from_command_line

from outcry.core.secrets import secrets_configuration_check

# Commands that neither read nor write data nor sign anything: they run without the
# deployment's secrets (`check --deploy` is how one learns which are missing; CI compiles
# the translations and checks the migrations without any).
NEEDS_NO_SECRETS = frozenset(
    {"check", "compilemessages", "makemessages", "makemigrations", "help", "version"}
)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outcry.settings")
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command not in NEEDS_NO_SECRETS and not command.startswith("-"):
        secrets_configuration_check()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
