"""Model fields shared by the apps, and the register of sealed columns they make up."""

from django.apps import apps
from django.db import models


class SealedTextField(models.TextField):
    """A column holding a value sealed with ``core.crypto.seal`` (``"<key id>:<box>"``), or "".

    Declaring a sealed column with this class is what puts it in the register
    (``sealed_fields``) that the key rotation walks: a sealed column declared as a plain
    ``TextField`` would keep needing the old private key after a rotation.
    """

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        # The column is a plain text column: migrations need not know it is sealed, and
        # the historical models they build stay free of this class.
        return name, "django.db.models.TextField", args, kwargs


def sealed_fields() -> list[tuple[type[models.Model], SealedTextField]]:
    """Every (model, field) holding sealed values, each table once, in a stable order."""
    return [
        (model, field)
        for model in sorted(apps.get_models(), key=lambda m: m._meta.label)
        if not model._meta.proxy
        for field in model._meta.local_concrete_fields
        if isinstance(field, SealedTextField)
    ]
