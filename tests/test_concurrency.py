"""A viral day: many requests for one address arrive at once. The database's unique
constraints, not luck, keep one supporter and one signature, and no request fails."""

import threading

import pytest
from django.db import connections
from django.test import Client

from outcry.actions.models import Signature
from outcry.supporters.models import ConsentRecord, Supporter
from tests.conftest import sign_data

pytestmark = pytest.mark.django_db(transaction=True)

SIGNERS = 50

# One Gmail mailbox, typed fifty ways: all normalise to johndoe@gmail.com.
SPELLINGS = ["johndoe@gmail.com", "John.Doe@gmail.com", "j.o.h.n.doe+{n}@GMAIL.com"]


def sign_concurrently(petition, emails: list[str]) -> list[object]:
    """Post one signature per email from its own thread, client and address, all released
    at once; returns each request's status code (or the exception it raised)."""
    barrier = threading.Barrier(len(emails))
    outcomes: list[object] = [None] * len(emails)

    def sign(n: int, email: str) -> None:
        client = Client(REMOTE_ADDR=f"198.18.{n // 250}.{n % 250 + 1}")
        try:
            barrier.wait(timeout=30)
            response = client.post(petition.get_absolute_url(), sign_data(email=email))
            outcomes[n] = response.status_code
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcomes[n] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sign, args=(n, email), name=f"signer-{n}")
        for n, email in enumerate(emails)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a signing request hung"
    return outcomes


def test_fifty_concurrent_signatures_by_one_address_make_one_signature(
    petition, smtp_server, tasks
):
    """Fifty simultaneous signatures with one (Gmail) address, from fifty IP addresses,
    all get the same "check your email" redirect; exactly one supporter, one signature and
    one consent are written, and the worker sends one confirmation and at most one
    "already signed" notice."""
    emails = [SPELLINGS[n % len(SPELLINGS)].format(n=n) for n in range(SIGNERS)]

    outcomes = sign_concurrently(petition, emails)

    assert outcomes == [302] * SIGNERS, [o for o in outcomes if o != 302]
    assert Supporter.objects.count() == 1
    signature = Signature.objects.get()
    assert signature.state == Signature.State.PENDING
    assert ConsentRecord.objects.filter(purpose="keep_informed").count() == 1

    tasks.run()
    kinds = sorted(m["Message-ID"].split("-")[2].split("@")[0] for m in smtp_server.messages)
    assert kinds == ["confirm", "duplicate"]
    # Both go to the spelling of the signature that won, as its signer typed it.
    [recipient] = {m["To"] for m in smtp_server.messages}
    assert recipient in emails


def test_concurrent_signatures_by_different_people_are_all_kept(petition):
    """Simultaneous signatures by different people are all taken, none lost to a lock."""
    emails = [f"person{n}@example.org" for n in range(SIGNERS)]

    outcomes = sign_concurrently(petition, emails)

    assert outcomes == [302] * SIGNERS, [o for o in outcomes if o != 302]
    assert Supporter.objects.count() == SIGNERS
    assert Signature.objects.filter(state=Signature.State.PENDING).count() == SIGNERS
