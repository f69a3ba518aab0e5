"""One-row INSERTs for the signing path, without the ORM building the statement each time.

Profiled on a signing rush, ``Model.objects.create`` spent most of its time building the
same ``INSERT`` again (the compiler walks every field for every row) and sending
``pre_save``/``post_save``; a signature writes three such rows inside the transaction that
holds SQLite's write lock. Here the statement is built once per model and each row only
converts its values, through the fields' own ``pre_save`` and ``get_db_prep_save``, exactly
as the ORM would. No model signals are sent: use this only for models nothing listens to.
"""

from functools import cache

from django.db import connection
from django.db.models import Field, Model


def insert_row(instance: Model, *, unless_exists: tuple[str, ...] = ()) -> bool:
    """INSERT ``instance`` and set its primary key; True when written.

    ``unless_exists``: the fields of a unique constraint; when a row with the same values
    is already there, nothing is written (no error, no savepoint needed) and it is False.
    Any other constraint violation raises ``IntegrityError`` as ``save()`` would.
    """
    sql, fields = _statement(type(instance), connection.vendor, unless_exists)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


@cache
def _statement(
    model: type[Model], vendor: str, unless_exists: tuple[str, ...]
) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    quote = connection.ops.quote_name
    # Names from the model's own metadata, every value a placeholder.
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    if unless_exists:
        unique = ", ".join(quote(meta.get_field(name).column) for name in unless_exists)
        sql += f" ON CONFLICT ({unique}) DO NOTHING"
    return f"{sql} RETURNING {quote(meta.pk.column)}", fields
