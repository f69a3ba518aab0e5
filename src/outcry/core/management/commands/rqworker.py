"""``outcry rqworker``: django-rq's worker, listening by default to every queue Outcry has,
the counts first.

A worker started without queue names would otherwise take ``default`` alone and never run
a count (``settings.RQ_QUEUES``: counting work has a queue of its own so that it never
waits behind a backlog of emails). Queue names given on the command line are taken as
they are.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

try:
    from django_rq.management.commands import rqworker
except ImportError:  # the RQ extra is not installed

    class Command(BaseCommand):
        help = "Run an RQ worker (needs the redis extra and TASK_BACKEND=rq)."

        def add_arguments(self, parser):
            parser.add_argument("args", nargs="*")

        def handle(self, *args, **options):
            raise CommandError("rqworker needs the redis extra installed and TASK_BACKEND=rq")

else:

    class Command(rqworker.Command):
        help = "Run an RQ worker; with no queue named, on every queue, the counts first."

        def handle(self, *args, **options):
            if not args:
                args = tuple(getattr(settings, "RQ_QUEUES", {}) or ("default",))
            return super().handle(*args, **options)
