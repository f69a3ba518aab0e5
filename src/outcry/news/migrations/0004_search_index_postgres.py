"""The stored full-text index on PostgreSQL too: a table like SQLite's FTS5 one, each row
with its ``tsvector`` (title weighted A, body B, in the language's configuration) under a
GIN index. Searching computed every public text's vector, rank and headline at query time:
29 ms of server CPU a search, 0.016 × a bare response (docs/benchmarks.md).

Nothing is copied here: an existing database is filled by ``outcry search_reindex`` (the
text comes from the application's own rules, which a migration must not import)."""

from django.db import migrations

CREATE = [
    "CREATE TABLE IF NOT EXISTS news_search ("
    "id bigserial PRIMARY KEY, title text NOT NULL, body text NOT NULL, "
    "kind varchar(16) NOT NULL, object_id bigint NOT NULL, language varchar(16) NOT NULL, "
    "document tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS news_search_document ON news_search USING gin (document)",
    "CREATE INDEX IF NOT EXISTS news_search_object ON news_search (kind, object_id)",
]


def create_table(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_table(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS news_search")


class Migration(migrations.Migration):
    dependencies = [
        ("news", "0003_post_actions_of_every_kind"),
    ]

    operations = [
        migrations.RunPython(create_table, drop_table, elidable=False),
    ]
