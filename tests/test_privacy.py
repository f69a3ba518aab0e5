"""Nothing a supporter gives is kept in clear: names and email are sealed together with a
public key (tagged with its key id), the email is found through a keyed blind index, and
the IP address only as a keyed daily hash. A web process without the private key takes
signatures it cannot read; keys rotate without losing old records."""

import base64
import json
import re
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from nacl.public import PrivateKey, SealedBox

from outcry.actions.models import Signature
from outcry.core.crypto import (
    PersonalDataKeyMissing,
    blind_index,
    can_unseal,
    email_hash,
    ip_hash,
    ip_hash_keys_forget,
    key_id,
    normalise_email,
    seal,
    unseal,
)
from outcry.core.models import AuditEvent, IpHashKey
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.supporters.selectors import supporter_personal_data
from tests import actors
from tests.conftest import sign_data
from tests.test_staff import SIGNATURE_LIST

FIRST_NAME = "Zyxwvuta"
LAST_NAME = "Qwplkmnb"
EMAIL = "Ojufrekt.Malvinsk+Urgent@Privacy-Example.ORG"
IP = "203.0.113.77"


def database_dump() -> str:
    """Every row of every table, one line each, every value as text (SQLite and
    PostgreSQL alike)."""
    lines = []
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                values = [
                    bytes(v).decode("utf-8", "replace")
                    if isinstance(v, bytes | memoryview)
                    else str(v)
                    for v in row
                ]
                lines.append(f"{table}: {' | '.join(values)}")
    return "\n".join(lines)


def lines_containing(dump: str, needle: str) -> list[str]:
    return [line for line in dump.splitlines() if needle in line.lower()]


def confirm_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/confirm/\S+/", text).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def b64(key) -> str:
    return base64.b64encode(bytes(key)).decode()


@pytest.mark.django_db(transaction=True)
def test_nothing_personal_is_stored_in_clear(client, petition, smtp_server, tasks):
    """After signing, signing again, confirming, the worker's emails and counts, and staff
    searching, viewing and exporting, no table holds the email (in any case), the first or
    last name, or the IP address in clear."""
    response = client.post(
        petition.get_absolute_url(),
        sign_data(first_name=FIRST_NAME, last_name=LAST_NAME, email=EMAIL, keep_informed="on"),
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    response = client.post(  # a duplicate, typed differently
        petition.get_absolute_url(),
        sign_data(first_name=FIRST_NAME, last_name=LAST_NAME, email=f"  {EMAIL.upper()} "),
        REMOTE_ADDR=IP,
    )
    assert response.status_code == 302
    tasks.run()
    messages = smtp_server.messages_to(EMAIL)
    assert len(messages) == 2  # the confirmation and the "already signed" notice
    confirmation = next(m for m in messages if "-confirm@" in m["Message-ID"])
    assert client.post(confirm_link(confirmation)).status_code == 200
    tasks.run(include_deferred=True)
    petition.refresh_from_db()
    assert petition.count == 1

    supporter = Supporter.objects.get()
    actors.logged_in(client, actors.data_protection_officer())
    assert (
        client.post(reverse("admin:supporters_supporter_find"), {"email": EMAIL}).status_code == 200
    )
    page = client.get(reverse("admin:supporters_supporter_change", args=[supporter.pk]))
    assert FIRST_NAME in page.content.decode()
    export = client.post(
        SIGNATURE_LIST,
        {"action": "export_csv", "index": "0", "_selected_action": [Signature.objects.get().pk]},
    )
    assert LAST_NAME in b"".join(export.streaming_content).decode()
    assert AuditEvent.objects.count() == 3

    dump = database_dump()
    # The dump does see the rows: the hashes and the sealed box are there.
    signature = Signature.objects.get()
    assert signature.email_hash in dump
    assert signature.ip_hash and signature.ip_hash in dump
    assert supporter.personal_data in dump
    for needle in [
        EMAIL.lower(),
        normalise_email(EMAIL),
        "ojufrekt",
        "malvinsk",
        FIRST_NAME.lower(),
        LAST_NAME.lower(),
        IP,
    ]:
        assert not lines_containing(dump.lower(), needle), (needle, lines_containing(dump, needle))


@pytest.mark.django_db
def test_sealed_box_is_tagged_with_its_key_id_and_opens_with_the_private_key(
    client, petition, settings
):
    """The stored record is "<key id>:<sealed box>"; the id is that of the configured
    public key, and the private key alone opens it to the email and names together."""
    client.post(
        petition.get_absolute_url(),
        sign_data(first_name=FIRST_NAME, last_name=LAST_NAME, email=EMAIL),
        REMOTE_ADDR=IP,
    )
    sealed = Supporter.objects.get().personal_data

    kid, _, ciphertext = sealed.partition(":")
    assert kid == key_id(base64.b64decode(settings.PERSONAL_DATA_PUBLIC_KEY))
    private_key = PrivateKey(base64.b64decode(settings.PERSONAL_DATA_PRIVATE_KEYS[0]))
    opened = json.loads(SealedBox(private_key).decrypt(base64.b64decode(ciphertext)))
    assert opened == {"email": EMAIL, "first_name": FIRST_NAME, "last_name": LAST_NAME}
    # Sealing is randomised: the same data sealed again looks different.
    assert seal(opened) != sealed
    assert unseal(seal(opened)) == opened


@pytest.mark.django_db(transaction=True)
def test_web_tier_without_private_key_takes_signatures_it_cannot_read(
    client, petition, settings, smtp_server, tasks
):
    """A web process holding only the public key takes signatures (and duplicates), but
    can open none of them, nor show or export them in the admin; the worker, which holds
    the private key, sends the emails."""
    worker_keys = list(settings.PERSONAL_DATA_PRIVATE_KEYS)
    settings.PERSONAL_DATA_PRIVATE_KEYS = []
    assert not can_unseal()

    for ip in ("198.51.100.20", "198.51.100.21"):
        response = client.post(
            petition.get_absolute_url(),
            sign_data(first_name=FIRST_NAME, last_name=LAST_NAME, email=EMAIL),
            REMOTE_ADDR=ip,
        )
        assert response.status_code == 302
    assert response["Location"] == reverse("petition-check-email", args=[petition.slug])
    supporter = Supporter.objects.get()
    assert Signature.objects.get().supporter == supporter
    assert ConsentRecord.objects.filter(purpose="keep_informed").get().supporter == supporter
    with pytest.raises(PersonalDataKeyMissing):
        supporter_personal_data(supporter=supporter)

    actors.logged_in(client, actors.data_protection_officer())
    page = client.get(reverse("admin:supporters_supporter_change", args=[supporter.pk]))
    assert page.status_code == 200
    assert "holds no private key" in page.content.decode()
    assert FIRST_NAME not in page.content.decode()
    export = client.post(
        SIGNATURE_LIST,
        {"action": "export_csv", "index": "0", "_selected_action": [Signature.objects.get().pk]},
        follow=True,
    )
    assert export.status_code == 200
    assert "personal data cannot be exported here" in export.content.decode()
    assert not AuditEvent.objects.filter(event__endswith=".exported").exists()
    client.logout()
    assert smtp_server.messages == []

    settings.PERSONAL_DATA_PRIVATE_KEYS = worker_keys  # now in the worker
    tasks.run()

    messages = smtp_server.messages_to(EMAIL)
    assert sorted(m["Message-ID"].split("-")[2].split("@")[0] for m in messages) == [
        "confirm",
        "duplicate",
    ]
    confirmation = next(m for m in messages if "-confirm@" in m["Message-ID"])
    assert f"{FIRST_NAME}" in confirmation.get_body(("plain",)).get_content()
    assert client.post(confirm_link(confirmation)).status_code == 200


@pytest.mark.django_db
def test_rotated_keys_keep_old_records_readable_and_seal_new_ones_with_the_new_key(
    client, petition, settings
):
    """After a rotation, with both private keys configured, records sealed with the old
    key still open and new ones are sealed with the new public key; once the old private
    key is dropped, only the new records open."""
    old, new = PrivateKey.generate(), PrivateKey.generate()
    settings.PERSONAL_DATA_PUBLIC_KEY = b64(old.public_key)
    settings.PERSONAL_DATA_PRIVATE_KEYS = [b64(old)]
    client.post(
        petition.get_absolute_url(),
        sign_data(first_name="Olga", email="olga@example.org"),
        REMOTE_ADDR="198.51.100.30",
    )

    settings.PERSONAL_DATA_PUBLIC_KEY = b64(new.public_key)
    settings.PERSONAL_DATA_PRIVATE_KEYS = [b64(new), b64(old)]
    client.post(
        petition.get_absolute_url(),
        sign_data(first_name="Nadia", email="nadia@example.org"),
        REMOTE_ADDR="198.51.100.31",
    )

    olga = Supporter.objects.get(email_hash=email_hash("olga@example.org"))
    nadia = Supporter.objects.get(email_hash=email_hash("nadia@example.org"))
    assert olga.personal_data.split(":")[0] == key_id(bytes(old.public_key))
    assert nadia.personal_data.split(":")[0] == key_id(bytes(new.public_key))
    assert key_id(bytes(old.public_key)) != key_id(bytes(new.public_key))
    assert supporter_personal_data(supporter=olga)["first_name"] == "Olga"
    assert supporter_personal_data(supporter=nadia)["first_name"] == "Nadia"

    settings.PERSONAL_DATA_PRIVATE_KEYS = [b64(new)]
    assert supporter_personal_data(supporter=nadia)["email"] == "nadia@example.org"
    with pytest.raises(PersonalDataKeyMissing):
        supporter_personal_data(supporter=olga)


def test_a_private_key_opens_only_what_its_public_key_sealed(settings):
    """A record sealed for one key pair cannot be opened by another private key, even one
    whose id were to match (the box itself refuses)."""
    mine, theirs = PrivateKey.generate(), PrivateKey.generate()
    settings.PERSONAL_DATA_PUBLIC_KEY = b64(mine.public_key)
    sealed = seal({"email": "a@example.org"})
    settings.PERSONAL_DATA_PRIVATE_KEYS = [b64(theirs)]
    with pytest.raises(PersonalDataKeyMissing):
        unseal(sealed)


# Normalisation and the blind index ----------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "johndoe@gmail.com",
        "John.Doe@gmail.com",
        "j.o.h.n.d.o.e@GMAIL.COM",
        "johndoe+petitions@gmail.com",
        "John.Doe+a+b@Gmail.com",
        "  johndoe@gmail.com  ",
        "johndoe@googlemail.com",
        "J.ohnDoe+x@GoogleMail.com",
    ],
)
def test_gmail_dots_tags_case_and_spaces_are_one_address(variant, settings):
    """Every spelling that reaches the same Gmail mailbox normalises to one address and
    shares one blind index."""
    assert normalise_email(variant) == "johndoe@gmail.com"
    assert email_hash(variant) == email_hash("johndoe@gmail.com")


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("John@Example.ORG", "john@example.org"),
        ("  john@example.org\t", "john@example.org"),
        ("JOHN@EXAMPLE.ORG", "john@example.org"),
    ],
)
def test_case_and_surrounding_spaces_never_matter(variant, canonical, settings):
    """Any address is compared without regard to case or surrounding spaces."""
    assert normalise_email(variant) == canonical
    assert email_hash(variant) == email_hash(canonical)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("john+news@example.org", "john@example.org"),
        ("john+news@example.org", "john+petitions@example.org"),
        ("j.doe@example.org", "jdoe@example.org"),
        ("johndoe@gmail.com.evil.example", "johndoe@gmail.com"),
        ("johndoe@example.org", "johndoe@gmail.com"),
    ],
)
def test_other_providers_keep_tags_and_dots_distinct(one, other, settings):
    """Outside Gmail a +tag or a dot may be a different mailbox, so it stays distinct."""
    assert normalise_email(one) != normalise_email(other)
    assert email_hash(one) != email_hash(other)


def test_blind_index_is_a_keyed_hash_not_the_address(settings):
    """The blind index depends on the secret key and does not contain the address; with
    another key the same address hashes differently."""
    first = email_hash("John.Doe@example.org")
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert "john" not in first
    assert first == blind_index("john.doe@example.org")
    settings.BLIND_INDEX_KEY = "another-secret-key"
    assert email_hash("John.Doe@example.org") != first


def test_ip_hash_is_keyed_and_rotates_daily(settings, db):
    """An IP address hashes the same way all day, differently the next day, and
    differently under another key: another pepper, or once the day's random key is gone."""
    monday, tuesday = date(2026, 3, 2), date(2026, 3, 3)
    assert ip_hash(IP, day=monday) == ip_hash(IP, day=monday)
    assert ip_hash(IP, day=monday) != ip_hash(IP, day=tuesday)
    assert ip_hash(IP, day=monday) != ip_hash("203.0.113.78", day=monday)
    assert IP not in ip_hash(IP, day=monday)
    before = ip_hash(IP, day=monday)
    pepper = settings.IP_HASH_KEY
    settings.IP_HASH_KEY = "another-secret-key"
    assert ip_hash(IP, day=monday) != before
    settings.IP_HASH_KEY = pepper
    assert ip_hash(IP, day=monday) == before
    IpHashKey.objects.filter(day=monday).delete()
    ip_hash_keys_forget()
    assert ip_hash(IP, day=monday) != before


def test_signing_stores_only_the_hash_of_the_address_it_came_from(client, petition, settings, db):
    """The signature keeps today's keyed hash of the client address, never the address."""
    client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR=IP)
    signature = Signature.objects.get()
    assert signature.ip_hash == ip_hash(IP)
    assert IP not in signature.ip_hash
