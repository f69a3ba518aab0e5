"""On the demo, a campaigner sends the seed-000 alert about Elena Milashina to the
subscribers of the Russian Federation: each gets it once, in their language, with a working
view-in-browser link (which greets no one by name) and one-click unsubscribe."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from outcry.demo.services import demo_load, demo_staff_logins
from outcry.mailings.models import Mailing
from outcry.subscriptions.demo import DEMO_SUBSCRIBERS
from outcry.supporters.models import Supporter
from tests import actors

pytestmark = pytest.mark.django_db(transaction=True)


def test_campaigner_sends_the_demo_alert_and_each_subscriber_gets_it_once(
    client, smtp_server, mailing_settings, tasks, tmp_path
):
    demo_load()
    demo_load()  # twice: still one draft
    demo_staff_logins(tmp_path / "logins.json")
    mailing = Mailing.objects.get(name__startswith="ACT NOW: Elena Milashina")
    actors.logged_in(client, User.objects.get(username="campaigner"))

    page = client.get(reverse("admin:mailing-send", args=[mailing.pk]))
    assert f"It will go to {len(DEMO_SUBSCRIBERS)} people." in page.content.decode()
    client.post(reverse("admin:mailing-send", args=[mailing.pk]), {"when": "now"})
    tasks.run()

    messages = smtp_server.messages
    assert sorted(m["To"] for m in messages) == sorted(r["email"] for r in DEMO_SUBSCRIBERS)
    for row in DEMO_SUBSCRIBERS:
        (message,) = smtp_server.messages_to(row["email"])
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert message["Content-Language"] == row["language"]
        french = row["language"] == "fr"
        name = row["first_name"] or ("à vous" if french else "friend")  # the merge default
        assert f"{'Bonjour' if french else 'Dear'} {name}," in text
        view = re.search(r'href="https://outcry.example(/m/[^"]+/[^"]+/)"', html).group(1)
        # The web version may be forwarded: it greets no one by name.
        default = "à vous" if french else "friend"
        page = Client().get(view).content.decode()
        assert f"{'Bonjour' if french else 'Dear'} {default}," in page
        if row["first_name"]:
            assert row["first_name"] not in page
    first = DEMO_SUBSCRIBERS[0]
    (message,) = smtp_server.messages_to(first["email"])
    unsubscribe = message["List-Unsubscribe"].split(",")[0].strip(" <>")
    Client(enforce_csrf_checks=True).post(
        unsubscribe.removeprefix("https://outcry.example"),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    unsubscribed = Supporter.objects.filter(unsubscribed_at__isnull=False).count()
    assert unsubscribed == 1
    assert Mailing.objects.filter(name__startswith="ACT NOW: Elena Milashina").count() == 1
