from django.core.management.base import BaseCommand

from outcry.news.search import search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the database (after an upgrade to it)."

    def handle(self, *args, **options) -> None:
        count = search_reindex_all()
        self.stdout.write(f"Indexed {count} objects.")
