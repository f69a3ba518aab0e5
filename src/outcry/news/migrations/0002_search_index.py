"""The full-text index for search: an FTS5 virtual table on SQLite. PostgreSQL searches at
query time with SearchVector; here it gets accent-folding text-search configurations
(outcry_en, outcry_fr: unaccent, then the language's stemmer) where the unaccent extension
can be created, and the search falls back to the built-in ones where it cannot. See
outcry/news/search.py."""

from django.db import DatabaseError, migrations, transaction

CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS news_search USING fts5("
    "title, body, kind UNINDEXED, object_id UNINDEXED, language UNINDEXED, "
    "tokenize = 'porter unicode61 remove_diacritics 2')"
)
DROP = "DROP TABLE IF EXISTS news_search"


PG_CONFIGS = {"outcry_en": ("english", "english_stem"), "outcry_fr": ("french", "french_stem")}


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(CREATE)
    elif vendor == "postgresql":
        try:
            with transaction.atomic(using=schema_editor.connection.alias):
                schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
                for name, (parent, stemmer) in PG_CONFIGS.items():
                    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
                    schema_editor.execute(
                        f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {parent})"
                    )
                    schema_editor.execute(
                        f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR "
                        f"hword, hword_part, word WITH unaccent, {stemmer}"
                    )
        except DatabaseError:
            pass  # No unaccent here: search uses the built-in configurations.


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(DROP)
    elif vendor == "postgresql":
        for name in PG_CONFIGS:
            schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("news", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
