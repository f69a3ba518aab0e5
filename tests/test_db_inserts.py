"""``core.db.inserts.insert_row``: the signing path's one-statement INSERT writes exactly
what ``Model.objects.create`` would, on SQLite and PostgreSQL."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from outcry.actions.models import Signature
from outcry.core.crypto import seal
from outcry.core.db.inserts import insert_row
from outcry.supporters.models import Supporter

pytestmark = pytest.mark.django_db


def supporter(email_hash: str, **fields) -> Supporter:
    fields = {"country": "FR", "language": "fr", **fields}
    return Supporter(
        email_hash=email_hash, personal_data=seal({"email": "ann@example.org"}), **fields
    )


def stored(model, pk: int) -> dict:
    return {f.attname: getattr(model.objects.get(pk=pk), f.attname) for f in model._meta.fields}


def test_a_row_inserted_reads_back_as_the_one_the_orm_writes():
    before = timezone.now()
    confirmed = timezone.now()
    fast = supporter("a" * 64, email_confirmed_at=confirmed)
    assert insert_row(fast) is True
    assert fast.pk is not None and not fast._state.adding
    # auto_now_add is filled in by the field itself, as save() would.
    assert before <= fast.created_at <= timezone.now()

    usual = Supporter.objects.create(
        email_hash="b" * 64,
        personal_data=fast.personal_data,
        country="FR",
        language="fr",
        email_confirmed_at=confirmed,
    )
    ours, theirs = stored(Supporter, fast.pk), stored(Supporter, usual.pk)
    for name in ("id", "email_hash", "created_at"):
        ours.pop(name), theirs.pop(name)
    assert ours == theirs
    assert str(Supporter.objects.get(pk=fast.pk).country) == "FR"


def test_a_foreign_key_uuid_and_sealed_box_are_written_as_the_orm_would(petition):
    owner = supporter("c" * 64)
    insert_row(owner)
    signature = Signature(
        petition=petition,
        supporter=owner,
        email_hash=owner.email_hash,
        country="RU",
        language="ru",
        personal_data=seal({"name": "Ann Lee"}),
    )
    insert_row(signature)
    read = Signature.objects.get(uuid=signature.uuid)
    assert read.pk == signature.pk
    assert read.supporter_id == owner.pk and read.petition_id == petition.pk
    assert read.personal_data == signature.personal_data
    assert read.state == Signature.State.PENDING


def test_an_existing_unique_value_writes_nothing_and_says_so():
    first = supporter("d" * 64)
    assert insert_row(first, unless_exists=("email_hash",)) is True
    again = supporter("d" * 64, language="en")
    assert insert_row(again, unless_exists=("email_hash",)) is False
    assert again.pk is None and again._state.adding
    assert Supporter.objects.get(email_hash="d" * 64).language == "fr"


def test_any_other_constraint_still_raises_as_save_would():
    insert_row(supporter("e" * 64))
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_row(supporter("e" * 64))
    assert Supporter.objects.filter(email_hash="e" * 64).count() == 1
