"""Delivery-package generation for a large petition: ``python bench/delivery_package.py``.

Builds a throwaway SQLite database in a temporary var dir with one petition and N counted
signatures (300,000 by default; a share of them agreed to be named, with sealed names and
cities), then generates the petition's delivery package exactly as the worker does
(``deliveries.services.package_generate``), in a child process so that its peak memory is
measured alone. Prints the figures and writes them between the ``delivery-package`` markers
of ``docs/benchmarks.md``. Target from the issue: under 60 s, memory bounded.
"""

import argparse
import contextlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- delivery-package:begin -->"
END = "<!-- delivery-package:end -->"
TARGET_SECONDS = 60
COUNTRIES = ["FR", "CA", "GB", "DE", "US", "RU", "BE", "CH", "ES", "IT", "NL", "PL", "SE"]
FIRST = ["Anne", "Jean", "Marie", "Иван", "Ольга", "Sophie", "Lukas", "Amélie", "Chloé", "Ali"]
LAST = ["Martin", "Dubois", "Петров", "Smith", "Müller", "Lefèvre", "Kowalski", "Rossi"]
CITIES = ["Lyon", "Montréal", "Казань", "Berlin", "Genève", "Kraków", "Ottawa", "Nantes"]


def _django(var_dir: Path) -> None:
    os.environ["OUTCRY_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "outcry.settings"
    for name in ("DATABASE_URL", "REDIS_URL", "TASK_BACKEND", "DEBUG"):
        os.environ.pop(name, None)
    import django

    django.setup()


def build(var_dir: Path, *, signatures: int, named_share: float) -> int:
    """The database: migrations, one office with a holder, a petition, N signatures."""
    _django(var_dir)
    from datetime import date

    from django.core.management import call_command
    from django.db import connection, transaction

    from outcry.actions.models import Petition, Signature
    from outcry.actions.participation import participant_words
    from outcry.cases.models import Case
    from outcry.core.crypto import seal
    from outcry.deliveries.services import package_request
    from outcry.supporters.models import Supporter
    from outcry.targets.models import Office, Target
    from outcry.targets.services import tenure_begin

    call_command("migrate", verbosity=0)
    office = Office.objects.create(
        key="prosecutor-general",
        title="Prosecutor General of the Russian Federation",
        title_en="Prosecutor General of the Russian Federation",
        address="ul. Bolshaya Dmitrovka, 15a\n125993 Moscow GSP-3",
        country="RU",
    )
    holder = Target.objects.create(
        key="igor-krasnov",
        name="Igor Krasnov",
        honorific="Prosecutor General",
        salutation="Dear Prosecutor General",
    )
    tenure_begin(office=office, target=holder, started_on=date(2020, 1, 22))
    case = Case.objects.create(slug="elena-milashina", name="Elena Milashina", country="RU")
    petition = Petition.objects.create(
        slug="investigate",
        title="Investigate the abduction and torture of gay men in Chechnya",
        ask="Open an effective, impartial investigation.",
        case=case,
        office=office,
        status="open",
        goal=300_000,
    )
    rng = random.Random(1975)
    # Everyone's record is sealed; those not named are never opened, so one sealed blob of
    # the usual size stands for all of them (sealing 300,000 would only slow the setup).
    anonymous_blob = seal({"email": "x" * 24 + "@example.org", "first_name": "A", "last_name": "B"})
    anonymous_city = seal({"city": ""})
    batch = 5000
    with transaction.atomic():
        for start in range(0, signatures, batch):
            size = min(batch, signatures - start)
            named = [rng.random() < named_share for _ in range(size)]
            supporters = Supporter.objects.bulk_create(
                [
                    Supporter(
                        email_hash=f"{start + i:064x}",
                        personal_data=seal(
                            {
                                "email": f"s{start + i}@example.org",
                                "first_name": rng.choice(FIRST),
                                "last_name": rng.choice(LAST),
                            }
                        )
                        if named[i]
                        else anonymous_blob,
                        country=rng.choice(COUNTRIES),
                    )
                    for i in range(size)
                ]
            )
            Signature.objects.bulk_create(
                [
                    Signature(
                        petition=petition,
                        supporter=supporter,
                        email_hash=supporter.email_hash,
                        country=supporter.country,
                        language="en",
                        state=Signature.State.VALIDATED,
                        counted=True,
                        named_to_target=named[i],
                        # As signing seals it: the name as given and the city, one box.
                        personal_data=seal(
                            participant_words(
                                rng.choice(FIRST), rng.choice(LAST), rng.choice(CITIES)
                            )
                        )
                        if named[i]
                        else anonymous_city,
                    )
                    for i, supporter in enumerate(supporters)
                ]
            )
        Petition.objects.filter(pk=petition.pk).update(count=signatures)
        package = package_request(action=petition, language="en", page_size="A4", actor=None)
    # As a database in service would be: the write-ahead log folded in, not read through.
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return package.pk


def generate(var_dir: Path, package_id: int, *, profile: Path | None = None) -> dict:
    """In the child process: the worker's job, timed (and profiled if asked)."""
    _django(var_dir)
    import cProfile

    from outcry.deliveries.models import DeliveryPackage
    from outcry.deliveries.services import package_generate

    # A kept database is generated again: its package is queued anew.
    DeliveryPackage.objects.filter(pk=package_id).update(
        status=DeliveryPackage.Status.QUEUED, generated_at=None
    )
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    package_generate(package_id=package_id)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - started
    package = DeliveryPackage.objects.get(pk=package_id)
    return {
        "seconds": seconds,
        "status": package.status,
        "total": package.total,
        "named": package.named,
        "pdf_bytes": package.pdf.size,
        "csv_bytes": package.csv.size,
        "pdf_sha256": package.pdf_sha256,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def section(figures: dict, *, signatures: int, named_share: float, build_seconds: float) -> str:
    verdict = "**met**" if figures["seconds"] < TARGET_SECONDS else "**not met**"
    return "\n".join(
        [
            BEGIN,
            "",
            f"Generated by `bench/delivery_package.py` on "
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC ({platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}, SQLite).",
            "",
            f"A petition with {signatures:,} counted signatures, {named_share:.0%} of them "
            "agreeing to be named (their names and cities sealed, opened one by one, as in "
            f"production); setting the database up took {build_seconds:.0f} s and is not "
            "counted. The package is generated by the worker's own function, in a child "
            "process whose peak memory is reported alone.",
            "",
            "| | |",
            "|---|---|",
            f"| Generation time | {figures['seconds']:.1f} s |",
            f"| Peak memory (RSS) of the generating process | {figures['peak_rss_mb']:.0f} MB |",
            f"| Supporters in the package | {figures['total']:,} |",
            f"| Named in the PDF and CSV | {figures['named']:,} |",
            f"| PDF size | {figures['pdf_bytes'] / 1e6:.1f} MB |",
            f"| CSV size | {figures['csv_bytes'] / 1e6:.1f} MB |",
            "",
            f"- Under {TARGET_SECONDS} s for {signatures:,} signatures: {verdict}.",
            "- Memory: rows are streamed from the database in chunks of 2,000; named rows go "
            "straight to the CSV on disk and are read back from it for the PDF; only the "
            "counts per country are held. What grows with the number of *named* supporters "
            "is the PDF's page content, which fpdf2 keeps until it writes the file (a few "
            "dozen bytes per name).",
            "",
            END,
        ]
    )


def write_doc(text: str) -> None:
    doc = DOC.read_text() if DOC.exists() else "# Benchmarks\n\n"
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + text + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip("\n") + "\n\n## Delivery package\n\n" + text + "\n"
    DOC.write_text(doc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--signatures", type=int, default=300_000)
    parser.add_argument("--named-share", type=float, default=0.25)
    parser.add_argument("--no-doc", action="store_true", help="print only")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="build the database in DIR and keep it; run again with the same DIR to "
        "generate the package again without building it (for profiling)",
    )
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="write the generation's cProfile stats"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figures = generate(Path(args.child[0]), int(args.child[1]), profile=args.profile)
        print(json.dumps(figures))
        return 0
    with contextlib.ExitStack() as stack:
        if args.keep:
            var_dir = args.keep.resolve()
            var_dir.mkdir(parents=True, exist_ok=True)
        else:
            var_dir = Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="outcry-bench-delivery-"))
            )
        started = time.perf_counter()
        built = var_dir / "package-id"
        if built.exists():
            package_id = int(built.read_text())
            print(f"Reusing the database in {var_dir}.", flush=True)
        else:
            print(f"Setting up {args.signatures:,} signatures…", flush=True)
            package_id = build(var_dir, signatures=args.signatures, named_share=args.named_share)
            built.write_text(str(package_id))
        build_seconds = time.perf_counter() - started
        print(f"…in {build_seconds:.0f} s. Generating the package…", flush=True)
        profile = ["--profile", str(args.profile.resolve())] if args.profile else []
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(var_dir), str(package_id), *profile],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    if figures["status"] != "ready":
        print(f"The package failed: {figures}", file=sys.stderr)
        return 1
    text = section(
        figures,
        signatures=args.signatures,
        named_share=args.named_share,
        build_seconds=build_seconds,
    )
    print(text)
    if not args.no_doc:
        write_doc(text)
    return 0 if figures["seconds"] < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
