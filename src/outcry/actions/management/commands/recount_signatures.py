from django.core.management.base import BaseCommand

from outcry.actions.models import Petition
from outcry.actions.services import petition_recount


class Command(BaseCommand):
    help = "Reconcile every petition's count with its validated signatures."

    def handle(self, *args, **options) -> None:
        for petition in Petition.objects.all():
            total = petition_recount(petition=petition)
            self.stdout.write(f"{petition.slug}: {total}")
