from django.core.management.base import BaseCommand

from outcry.news.search import fts_available, search_reindex_all


class Command(BaseCommand):
    help = "Rebuild the full-text search index (SQLite FTS5) from the database."

    def handle(self, *args, **options) -> None:
        if not fts_available():
            self.stdout.write("PostgreSQL searches at query time: nothing to rebuild.")
            return
        count = search_reindex_all()
        self.stdout.write(f"Indexed {count} objects.")
