"""The demo has supporters subscribed to the Russian Federation in English and French, for
the seed-000 alert; loading it again adds no one."""

import pytest

from outcry.demo.services import demo_load
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.selectors import subscribers

pytestmark = pytest.mark.django_db


def test_demo_has_russian_federation_subscribers_in_english_and_french():
    demo_load()
    demo_load()
    audience = subscribers(countries=["RU"])
    assert audience.count() == Subscription.objects.count() >= 4
    assert set(audience.values_list("language", flat=True)) == {"en", "fr"}
    consents = {c.language: c.wording for s in audience for c in s.consents.all()}
    assert "Russian Federation" in consents["en"]
    assert consents["fr"].startswith("Envoyez-moi")
