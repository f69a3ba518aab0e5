"""Queue again the confirmation emails that no queue holds (see
``outcry.actions.participation.participation_confirmations_requeue``). Run it every few
minutes beside an RQ worker (deploy/systemd/outcry-requeue.timer); with the database queue it
finds nothing but tasks that are merely late, and queueing those again sends nothing twice.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from outcry.actions.participation import participation_confirmations_requeue


class Command(BaseCommand):
    help = "Queue again the confirmation emails of participations that have none queued."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=10,
            help="Minutes a participation waits for its email before it is queued again.",
        )
        parser.add_argument(
            "--within",
            type=int,
            default=48,
            help="Hours back to look (older links would arrive close to their expiry).",
        )

    def handle(self, *args, **options) -> None:
        queued = participation_confirmations_requeue(
            older_than=timedelta(minutes=options["older_than"]),
            within=timedelta(hours=options["within"]),
        )
        self.stdout.write(f"{queued} confirmation email(s) queued again")
