from django.conf import settings
from django.core.management.base import BaseCommand

from outcry.demo.services import demo_load, demo_staff_logins


class Command(BaseCommand):
    help = "Load the demo world (cases, officials, the petition) and create demo staff logins."

    def handle(self, *args, **options) -> None:
        loaded = demo_load()
        self.stdout.write(f"Demo loaded: {loaded['cases']} cases, {loaded['targets']} targets.")
        logins = demo_staff_logins(settings.VAR_DIR / "demo-logins.json")
        self.stdout.write("Staff logins for http://127.0.0.1:8000/admin/ :")
        for username, password in logins.items():
            self.stdout.write(f"  {username:<11} {password}")
        self.stdout.write(
            "The first login of each asks to set up two-factor authentication (an "
            "authenticator app's QR code, then recovery codes to keep); the admin opens after."
        )
