"""Rotating the personal-data key: ``personal_data_reseal`` re-seals every sealed value with
the newest public key, after which the old private key can be removed.

The data is the demo's (supporters and solidarity messages, written by the app's own
services) plus a value in every other sealed column (signatures, letters, calls, subscription
requests, comments), added again under each new key.
"""

import base64
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import override_settings
from nacl.public import PrivateKey

from outcry.actions.models import Call, CallAction, Letter, LetterAction, Signature
from outcry.comments.models import Comment
from outcry.core.crypto import key_id, seal, unseal
from outcry.core.fields import SealedTextField, sealed_fields
from outcry.core.models import AuditEvent
from outcry.core.rotation import column_label
from outcry.demo.services import demo_load
from outcry.solidarity.models import SolidarityMessage
from outcry.subscriptions.models import SubscriptionRequest
from outcry.supporters.models import Supporter
from tests.actors import SupporterFactory
from tests.factories import PetitionFactory, PostFactory

pytestmark = pytest.mark.django_db


class Key:
    """A personal-data key pair, as the README's one-liner makes it."""

    def __init__(self) -> None:
        private = PrivateKey.generate()
        self.public = base64.b64encode(bytes(private.public_key)).decode()
        self.private = base64.b64encode(bytes(private)).decode()
        self.id = key_id(bytes(private.public_key))


def keys(newest: Key, *older: Key):
    """Settings as an operator sets them: seal with ``newest``, open with all (newest first)."""
    return override_settings(
        PERSONAL_DATA_PUBLIC_KEY=newest.public,
        PERSONAL_DATA_PRIVATE_KEYS=[newest.private] + [key.private for key in older],
    )


def all_sealed_values() -> dict[tuple[str, object], str]:
    """Every non-empty sealed value in the database, by (column, primary key)."""
    values = {}
    for model, sealed in sealed_fields():
        rows = model._base_manager.exclude(**{sealed.name: ""}).values_list("pk", sealed.name)
        for pk, value in rows:
            values[(column_label(model, sealed), pk)] = value
    return values


def opened_values() -> dict[tuple[str, object], dict]:
    return {where: unseal(value) for where, value in all_sealed_values().items()}


def email_hashes() -> set[tuple[str, object, str]]:
    """Every blind index of an email beside a sealed value: (model, pk, hash)."""
    return {
        (model._meta.label, pk, value)
        for model in (Supporter, Signature, Letter, Call, SolidarityMessage, Comment)
        for pk, value in model._base_manager.values_list("pk", "email_hash")
    }


def reseal(*args: str) -> str:
    out = StringIO()
    call_command("personal_data_reseal", *args, stdout=out)
    return out.getvalue()


def one_of_each(n: int) -> None:
    """A sealed value in every column the demo leaves empty, sealed as the app seals them."""
    supporter = SupporterFactory(email=f"person{n}@example.org", first_name=f"Person{n}")
    person = {"email_hash": supporter.email_hash, "country": "RU", "language": "en"}
    words = {"first_name": f"Person{n}", "city": "Kazan"}
    Signature.objects.create(
        **person, supporter=supporter, petition=PetitionFactory(), personal_data=seal(words)
    )
    letter_action = LetterAction.objects.first()
    Letter.objects.create(
        **person, supporter=supporter, action=letter_action, personal_data=seal(words)
    )
    Call.objects.create(
        **person,
        supporter=supporter,
        action=CallAction.objects.first(),
        outcome=Call.Outcome.ANSWERED,
        personal_data=seal(words),
    )
    Comment.objects.create(
        post=PostFactory(commentable=True),
        author_name=f"Person{n}",
        body="Thank you.",
        email_hash=supporter.email_hash,
        email_sealed=seal({"email": f"person{n}@example.org"}),
    )
    SubscriptionRequest.objects.create(
        personal_data=seal({"email": f"person{n}@example.org", "first_name": f"Person{n}"}),
        language="en",
        kind="country",
        country="RU",
        consent_wording="Send me news.",
        consent_version="1",
        consent_language="en",
        source_url="/en/",
    )


def test_the_register_holds_every_sealed_column():
    """Every column the app seals into is declared sealed, so the rotation reaches it."""
    registered = {column_label(model, sealed) for model, sealed in sealed_fields()}
    assert registered == {
        "actions.Signature.personal_data",
        "actions.Letter.personal_data",
        "actions.Call.personal_data",
        "solidarity.SolidarityMessage.personal_data",
        "supporters.Supporter.personal_data",
        "subscriptions.SubscriptionRequest.personal_data",
        "comments.Comment.email_sealed",
    }


def test_no_sealed_value_lies_outside_the_register():
    """After the demo (written through the app's own services), no text column outside the
    register holds a value sealed with the personal-data key."""
    key = Key()
    with keys(key):
        demo_load()
        registered = {(model, sealed.name) for model, sealed in sealed_fields()}
        for model in apps.get_models():
            for column in model._meta.local_concrete_fields:
                if not isinstance(column, models.TextField | models.CharField):
                    continue
                if (model, column.name) in registered:
                    continue
                sealed_here = model._base_manager.filter(
                    **{f"{column.name}__startswith": f"{key.id}:"}
                )
                assert not sealed_here.exists(), f"{model._meta.label}.{column.name} is sealed"


def test_rotating_twice_leaves_every_value_readable_with_the_newest_key_alone():
    """Key A → B → C, with data sealed under each: after each rotation every value opens
    with the newest private key only, says the same as before, and the email hashes (blind
    indexes) are untouched."""
    key_a, key_b, key_c = Key(), Key(), Key()
    with keys(key_a):
        demo_load()
        one_of_each(1)
        before = opened_values()
    hashes = email_hashes()
    assert {value.split(":")[0] for value in all_sealed_values().values()} == {key_a.id}
    columns_with_data = {column for column, _pk in before}
    assert columns_with_data == {column_label(m, f) for m, f in sealed_fields()}

    with keys(key_b, key_a):
        out = reseal("--batch-size", "7")
        assert f"Every sealed value is sealed with the newest key (id {key_b.id})" in out
        assert f"private key(s) with id {key_a.id} any more" in out
        one_of_each(2)
        before = opened_values()
    with keys(key_b):
        assert opened_values() == before
    assert hashes <= email_hashes()  # each row's hash as it was (the second lot added)
    hashes = email_hashes()

    with keys(key_c, key_b, key_a):
        reseal()
        one_of_each(3)
        after = opened_values()
        reseal("--check")
    with keys(key_c):
        assert opened_values() == after
    assert {value.split(":")[0] for value in all_sealed_values().values()} == {key_c.id}
    assert {where: v for where, v in after.items() if where in before} == before
    assert hashes <= email_hashes()

    [first, second] = AuditEvent.objects.filter(event="core.personal_data.resealed").order_by("pk")
    assert (first.extra["key_id"], first.extra["resealed"]) == (key_b.id, len(before) - 6)
    assert (second.extra["key_id"], second.extra["resealed"]) == (key_c.id, len(before))
    assert first.actor is None


def test_an_interrupted_run_continues_where_it_stopped():
    """Stopped after 3 of 5 values (one per batch), a second run re-seals the other 2."""
    key_a, key_b = Key(), Key()
    with keys(key_a):
        SupporterFactory.create_batch(5)
        before = opened_values()
    with keys(key_b, key_a):
        out = reseal("--batch-size", "1", "--limit", "3")
        assert "supporters.Supporter.personal_data: 3/5" in out
        assert "Stopped at --limit" in out
        on_b = Supporter.objects.filter(personal_data__startswith=f"{key_b.id}:")
        assert on_b.count() == 3
        with pytest.raises(
            CommandError, match=rf"Supporter.personal_data: 2 with key id {key_a.id}"
        ):
            reseal("--check")
        assert "supporters.Supporter.personal_data: 2 value(s) would be re-sealed" in reseal(
            "--dry-run"
        )

        out = reseal("--batch-size", "1")
        assert "supporters.Supporter.personal_data: 2/2 re-sealed" in out
        assert on_b.count() == 5
    with keys(key_b):
        assert opened_values() == before


def test_a_missing_old_private_key_is_refused_before_anything_is_written():
    key_a, key_b, key_c = Key(), Key(), Key()
    with keys(key_a):
        SupporterFactory.create_batch(2)
    with keys(key_b, key_a):
        SupporterFactory.create_batch(2)
    before = all_sealed_values()
    with keys(key_c, key_b):  # key A's private key was removed too early
        with pytest.raises(CommandError, match=rf"key id {key_a.id}: supporters.Supporter"):
            reseal()
        with pytest.raises(CommandError, match=rf"key id {key_a.id}"):
            reseal("--dry-run")
    assert all_sealed_values() == before
    assert not AuditEvent.objects.filter(event="core.personal_data.resealed").exists()


def test_the_newest_key_must_be_openable_here():
    """Re-sealing with a public key whose private key is not configured would lock the data."""
    key_a, key_b = Key(), Key()
    with keys(key_a):
        SupporterFactory()
    before = all_sealed_values()
    with override_settings(
        PERSONAL_DATA_PUBLIC_KEY=key_b.public, PERSONAL_DATA_PRIVATE_KEYS=[key_a.private]
    ):
        with pytest.raises(CommandError, match=rf"newest public key \(id {key_b.id}\)"):
            reseal()
    assert all_sealed_values() == before


def test_a_value_changed_meanwhile_is_not_overwritten(monkeypatch):
    """The write is conditional: a value someone else re-wrote after the batch read it is
    left as they wrote it. The other writer is made to write exactly between the batch's
    read and its write, by writing from inside the sealing step."""
    from outcry.core import rotation

    key_a, key_b = Key(), Key()
    with keys(key_a):
        supporter = SupporterFactory(email="old@example.org")

    def seal_while_someone_writes(values):
        Supporter.objects.filter(pk=supporter.pk).update(
            personal_data=seal({"email": "new@example.org"})
        )
        return seal(values)

    with keys(key_b, key_a):
        monkeypatch.setattr(rotation, "seal", seal_while_someone_writes)
        out = reseal()
        assert "0 value(s) re-sealed" in out
        assert "1 changed by someone else" in out
        supporter.refresh_from_db()
        assert unseal(supporter.personal_data) == {"email": "new@example.org"}


def test_sealed_columns_are_plain_text_columns_to_migrations():
    """Declaring a column sealed changes nothing in the database."""
    sealed = SealedTextField(blank=True)
    sealed.set_attributes_from_name("personal_data")
    assert sealed.deconstruct()[1] == "django.db.models.TextField"
    assert seal({"a": "b"})  # the settings' own key still seals
    assert SubscriptionRequest._meta.get_field("personal_data").get_internal_type() == "TextField"
