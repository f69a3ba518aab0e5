# The audit trail is append-only in the database itself, not only through the ORM: a
# trigger refuses every UPDATE and DELETE of a row, whoever sends it (a bug, a raw query,
# an injected statement, a staff member with a database shell but not the owner's rights).
#
# PostgreSQL: a row trigger, BEFORE UPDATE OR DELETE. TRUNCATE fires no row trigger, and is
# left allowed on purpose: it needs the table owner's privilege (grant the application's
# role no TRUNCATE if it is not the owner), and it is what Django's test flush runs between
# transactional tests there.
#
# SQLite: one trigger refuses every UPDATE; the DELETE trigger refuses unless the one-row
# table ``core_auditevent_unlocked`` holds a row. Nothing in Outcry writes that table: only
# the test suite's session fixture does, because Django's test flush on SQLite is a plain
# DELETE FROM every table between transactional tests. It is not a model, so flush never
# empties it. Anyone who can write to it can also drop the trigger; on SQLite the trigger
# guards against the application, not against whoever holds the database file.
#
# Beware: on SQLite, a later migration that alters this table remakes it (new table, copy,
# drop, rename) and the triggers go with the old table. tests/test_audit_trail.py runs on
# the migrated test database and fails if they are gone; such a migration must recreate them.

from django.db import migrations

MESSAGE = "core_auditevent is append-only"

POSTGRESQL_FORWARDS = [
    f"""
    CREATE OR REPLACE FUNCTION core_auditevent_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{MESSAGE}: % refused', TG_OP;
    END;
    $$;
    """,
    """
    CREATE TRIGGER core_auditevent_append_only
    BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only();
    """,
]
POSTGRESQL_BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_auditevent_append_only ON core_auditevent;",
    "DROP FUNCTION IF EXISTS core_auditevent_append_only();",
]

SQLITE_FORWARDS = [
    """
    CREATE TABLE IF NOT EXISTS core_auditevent_unlocked (
        id INTEGER PRIMARY KEY CHECK (id = 1)
    );
    """,
    f"""
    CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END;
    """,
    f"""
    CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM core_auditevent_unlocked)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END;
    """,
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS core_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS core_auditevent_no_delete;",
    "DROP TABLE IF EXISTS core_auditevent_unlocked;",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0005_auditevent_typed_cleanup"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            _run({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
            elidable=False,
        ),
    ]
