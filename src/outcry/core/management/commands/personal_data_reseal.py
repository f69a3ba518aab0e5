from django.core.management.base import BaseCommand, CommandError

from outcry.core.crypto import private_key_ids, public_key_id
from outcry.core.rotation import (
    DEFAULT_BATCH_SIZE,
    ColumnProgress,
    ResealRefused,
    personal_data_reseal,
    reseal_plan,
    reseal_refusal,
    values_on_old_keys,
)


def positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Re-seal every sealed value (supporters' personal data, participations, comment "
        "emails, subscription requests) with the newest public key, in batches, so that the "
        "old private key can be removed. Needs every private key still in use. Resumable: "
        "values already sealed with the newest key are skipped. --check tells whether any "
        "value still needs an old key."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Values re-sealed per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--limit",
            type=positive_int,
            help="Stop after this many values; run again to continue.",
        )
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--dry-run", action="store_true", help="Count what would be re-sealed; change nothing."
        )
        mode.add_argument(
            "--check",
            action="store_true",
            help="Say whether any value still needs an old private key (exit status 1 if so).",
        )

    def handle(
        self,
        *args,
        batch_size: int = DEFAULT_BATCH_SIZE,
        limit: int | None = None,
        dry_run: bool = False,
        check: bool = False,
        **options,
    ) -> None:
        if check:
            self._check()
            return
        if dry_run:
            self._dry_run()
            return
        try:
            result = personal_data_reseal(
                batch_size=batch_size, limit=limit, on_progress=self._show_progress
            )
        except ResealRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        for column in result.columns:
            self.stdout.write(f"{column.label}: {column.resealed}/{column.total} re-sealed")
        self.stdout.write(
            f"{result.resealed} value(s) re-sealed with key {result.key_id}; "
            f"{result.skipped} changed by someone else meanwhile and left as they are."
        )
        if result.stopped_at_limit:
            self.stdout.write("Stopped at --limit: run the command again to continue.")
            return
        remaining = self._values_on_old_keys()
        self.stdout.write(remaining or self._all_on_newest_key())

    def _show_progress(self, column: ColumnProgress) -> None:
        self.stdout.write(f"{column.label}: {column.resealed + column.skipped}/{column.total}")

    def _dry_run(self) -> None:
        refusal = reseal_refusal()
        for column in reseal_plan():
            self.stdout.write(f"{column.label}: {column.total} value(s) would be re-sealed")
        if refusal:
            raise CommandError(refusal)

    def _check(self) -> None:
        remaining = self._values_on_old_keys()
        if remaining:
            raise CommandError(remaining)
        self.stdout.write(self._all_on_newest_key())

    def _values_on_old_keys(self) -> str:
        """What still needs an old private key ("" when nothing does)."""
        old = values_on_old_keys()
        if not old:
            return ""
        lines = [
            f"{label}: " + ", ".join(f"{n} with key id {kid}" for kid, n in sorted(by_key.items()))
            for label, by_key in old.items()
        ]
        return (
            "Some values still need an old private key; keep it and run "
            "personal_data_reseal:\n" + "\n".join(lines)
        )

    def _all_on_newest_key(self) -> str:
        newest = public_key_id()
        unused = sorted(private_key_ids() - {newest})
        message = f"Every sealed value is sealed with the newest key (id {newest})."
        if unused:
            message += (
                f" No value needs the private key(s) with id {', '.join(unused)} any more: "
                "remove them from PERSONAL_DATA_PRIVATE_KEYS."
            )
        return message
