"""Past the moderation window, no one can tell which address did what: the hashes are
wiped from every row and the day's random key they were made with is destroyed."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from outcry.actions.models import Call, Letter, Signature
from outcry.comments.models import Comment, CommentReport
from outcry.core.crypto import ip_hash
from outcry.core.models import IpHashKey
from outcry.core.services import ip_hashes_expire
from tests.comments.factories import CommentFactory
from tests.conftest import sign_data

IP = "203.0.113.77"


@pytest.mark.django_db
def test_hashes_older_than_the_window_are_wiped_and_their_day_keys_destroyed(
    client, petition, settings
):
    """A signature, comment and two reports of eight days ago lose their address hash and
    the key of that day is destroyed, so the hash can no longer be recomputed from the
    address; today's rows and key stay for moderation."""
    assert settings.IP_HASH_RETENTION_DAYS == 7
    now = timezone.now()
    old_day = (now - timedelta(days=8)).date()
    old_hash = ip_hash(IP, day=old_day)

    client.post(petition.get_absolute_url(), sign_data(email="a@example.org"), REMOTE_ADDR=IP)
    client.post(petition.get_absolute_url(), sign_data(email="b@example.org"), REMOTE_ADDR=IP)
    old_signature, recent_signature = Signature.objects.order_by("pk")
    Signature.objects.filter(pk=old_signature.pk).update(
        ip_hash=old_hash, created_at=now - timedelta(days=8)
    )
    comment = CommentFactory(ip_hash=old_hash, created_at=now - timedelta(days=8))
    report_hashes = {ip_hash(reader, day=old_day) for reader in ("198.51.100.1", "198.51.100.2")}
    for report_hash in report_hashes:
        CommentReport.objects.create(
            comment=comment, ip_hash=report_hash, created_at=comment.created_at
        )

    wiped = ip_hashes_expire(now=now)

    old_signature.refresh_from_db()
    recent_signature.refresh_from_db()
    assert old_signature.ip_hash == ""
    assert recent_signature.ip_hash == ip_hash(IP)
    assert Comment.objects.get(pk=comment.pk).ip_hash == ""
    # Still one row per report (the column stays unique), none holding an address hash.
    reports = set(CommentReport.objects.values_list("ip_hash", flat=True))
    assert len(reports) == 2
    assert not reports & report_hashes
    assert wiped["actions.signature"] == 1
    assert wiped["comments.commentreport"] == 2
    assert not IpHashKey.objects.filter(day=old_day).exists()
    assert IpHashKey.objects.filter(day=now.date()).exists()
    # The address hashes differently for that day now: the old hash cannot be recomputed.
    assert ip_hash(IP, day=old_day) != old_hash


@pytest.mark.django_db
def test_the_daily_retention_run_wipes_old_address_hashes(client, petition):
    """`outcry apply_retention` (what the daily task runs) wipes them too."""
    client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR=IP)
    Signature.objects.update(created_at=timezone.now() - timedelta(days=30))
    call_command("apply_retention", stdout=StringIO())
    assert Signature.objects.get().ip_hash == ""


def test_every_model_that_keeps_an_address_hash_is_wiped():
    """Signatures, letters, calls, comments and reports are all found by the wipe."""
    from outcry.core.services import _models_with_ip_hash

    assert {Signature, Letter, Call, Comment, CommentReport} <= set(_models_with_ip_hash())
