"""The mailing worker: starts scheduled mailings when due and sends them, batch by batch.

Run it beside ``db_worker`` (any number of copies, on any number of machines: rows are
claimed, never shared). Killed at any moment, it resumes where it stopped when started
again: see outcry/mailings/sending.py for what is guaranteed.
"""

import time

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from outcry.mailings import sending, services
from outcry.mailings.models import Mailing


class Command(BaseCommand):
    help = "Send mailings: start the scheduled ones when due, send the ones in progress."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--mailing", type=int, help="Only this mailing.")
        parser.add_argument(
            "--until-done",
            action="store_true",
            help="Exit when nothing is left to send now (for scripts and benchmarks).",
        )
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between polls.")

    def handle(self, *args, **options) -> None:
        while True:
            now = timezone.now()
            mailings = Mailing.objects.filter(
                Q(status=Mailing.Status.SENDING)
                | Q(status=Mailing.Status.SCHEDULED, scheduled_at__lte=now)
            )
            if options["mailing"]:
                mailings = mailings.filter(pk=options["mailing"])
            worked = False
            for mailing in list(mailings.order_by("pk")):
                if mailing.status == Mailing.Status.SCHEDULED:
                    services.mailing_start(mailing_id=mailing.pk)
                report = sending.mailing_send_due(mailing_id=mailing.pk)
                if report.sent or report.bounced or report.retrying or report.skipped:
                    worked = True
                    self.stdout.write(
                        f"mailing {mailing.pk}: sent {report.sent}, bounced {report.bounced}, "
                        f"retrying {report.retrying}, skipped {report.skipped}"
                        + (" — finished" if report.finished else "")
                    )
            if options["until_done"] and not worked:
                return
            if not worked:
                time.sleep(options["interval"])
