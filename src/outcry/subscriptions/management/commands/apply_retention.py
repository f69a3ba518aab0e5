from django.core.management.base import BaseCommand
from django.utils import timezone

from outcry.core.services import ip_hashes_expire
from outcry.subscriptions.retention import (
    action_key,
    actions_due,
    retention_apply,
    supporters_to_anonymise,
    unconfirmed_subscribers,
    unconfirmed_subscribers_purge,
)
from outcry.subscriptions.tasks import apply_retention
from outcry.supporters.personal_data import retain_all


class Command(BaseCommand):
    help = (
        "Anonymise the participants (signers, letter writers, callers) who did not ask to "
        "hear more, once their action has been closed for its retention period, and delete "
        "the files of delivery packages delivered long enough ago. Run it daily from cron, "
        "or once with --daily to let the worker run it every day."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be anonymised; change nothing."
        )
        parser.add_argument(
            "--daily",
            action="store_true",
            help="Queue the apply_retention task for the worker, to run now and then daily.",
        )

    def handle(self, *args, dry_run: bool = False, daily: bool = False, **options) -> None:
        if daily:
            apply_retention.enqueue(reschedule=True)
            self.stdout.write("Retention queued: the worker runs it now, then daily.")
            return
        if dry_run:
            for action in actions_due():
                count = supporters_to_anonymise(action=action).count()
                self.stdout.write(f"{action_key(action)}: {count} supporter(s) would be anonymised")
            count = unconfirmed_subscribers().count()
            self.stdout.write(f"{count} never-confirmed subscriber(s) would be erased")
            return
        for slug, count in retention_apply().items():
            self.stdout.write(f"{slug}: {count} supporter(s) anonymised")
        count = unconfirmed_subscribers_purge()
        self.stdout.write(f"{count} never-confirmed subscriber(s) erased")
        for label, done in retain_all(now=timezone.now(), skip="subscriptions").items():
            self.stdout.write(f"{label}: {done} row(s) let go")
        wiped = sum(ip_hashes_expire().values())
        self.stdout.write(f"{wiped} IP hash(es) older than the moderation window wiped")
