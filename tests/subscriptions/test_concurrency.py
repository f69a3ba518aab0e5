"""Twenty requests to subscribe one address to one country at the same moment: one
supporter, one subscription, one confirmation email, and every request gets the same page."""

import threading

import pytest
from django.db import connections
from django.test import Client

from outcry.subscriptions.models import Subscription
from outcry.supporters.models import ConsentRecord, Supporter
from tests.subscriptions.conftest import subscribe_data

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 20


def test_concurrent_requests_for_one_address_make_one_subscription(smtp_server, tasks):
    barrier = threading.Barrier(REQUESTS)
    outcomes: list[object] = [None] * REQUESTS

    def subscribe(n: int) -> None:
        client = Client(REMOTE_ADDR=f"198.18.0.{n + 1}")
        try:
            barrier.wait(timeout=30)
            response = client.post(
                "/en/subscribe/countries/ru/", subscribe_data(email="JOHN@example.org")
            )
            outcomes[n] = (response.status_code, response.get("Location"))
        except Exception as exc:  # noqa: BLE001 - reported by the test
            outcomes[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=subscribe, args=(n,)) for n in range(REQUESTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    assert outcomes == [(302, "/en/subscribe/check-email/")] * REQUESTS
    # The worker decides what each request means.
    tasks.run()
    assert Supporter.objects.count() == 1
    assert Subscription.objects.count() == 1
    assert ConsentRecord.objects.count() == 1
    assert len(smtp_server.messages_to("JOHN@example.org")) == 1
