"""Composing: merge fields checked before sending, Markdown made inert, empty segments."""

import pytest
from django.core.exceptions import ValidationError

from outcry.mailings import services
from outcry.mailings.composition import compile_variant
from outcry.mailings.models import Mailing, MailingVariant, Segment
from outcry.mailings.selectors import segment_supporters
from tests.factories import PetitionFactory
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db


def _render(mailing: Mailing, language: str = "en", **values) -> tuple[str, str, str]:
    variant = mailing.variants.get(language=language)
    merge = {"first_name": "", "last_name": "", "country": ""}
    merge.update(values)
    links = {k: "https://x.example/" for k in ("view_url", "unsubscribe_url", "preferences_url")}
    return compile_variant(variant, mailing=mailing).render({**merge, **links})


def test_merge_field_default_gives_dear_john_or_dear_friend(mailing_settings):
    mailing = make_alert()
    assert "Dear John," in _render(mailing, first_name="John")[1]
    assert "Dear friend," in _render(mailing)[1]
    assert "Bonjour à vous," in _render(mailing, "fr")[1]


def test_names_are_escaped_in_html(mailing_settings):
    mailing = make_alert()
    html = _render(mailing, first_name="<b onmouseover=x>")[2]
    assert "<b onmouseover" not in html and "&lt;b onmouseover=x&gt;" in html


@pytest.mark.parametrize(
    "body",
    [
        "Dear {{ frist_name }},",
        "Dear {{ first_name.upper }},",
        "{{ first_name|safe }}",
        "{% load static %}",
        "{% if first_name %}hi{% endif %}",
        "Dear {{ first_name|default:'friend' ",
    ],
)
def test_unknown_merge_field_or_bad_syntax_is_reported_before_sending(body, mailing_settings):
    make_supporters(2)
    mailing = make_alert()
    variant = mailing.variants.get(language="en")
    variant.body = body
    with pytest.raises(ValidationError):
        variant.full_clean()
    variant.save()
    with pytest.raises(ValidationError):
        services.mailing_schedule(mailing=mailing, actor=None)
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


def test_markdown_with_script_and_event_handlers_renders_inert(mailing_settings):
    mailing = make_alert()
    MailingVariant.objects.filter(mailing=mailing, language="en").update(
        body=(
            "Hello <script>alert(1)</script> <img src=/media/x.png onerror=alert(2)>\n\n"
            '<a href="javascript:alert(3)" onclick="alert(4)">click</a> '
            "[link](javascript:alert(5)) <svg onload=alert(6)></svg>"
        )
    )
    _subject, _text, html = _render(mailing)
    lowered = html.lower()
    for bad in ["<script", "onerror", "onclick", "onload", "javascript:", "<svg"]:
        assert bad not in lowered


def test_empty_segment_cannot_be_sent(mailing_settings):
    make_supporters(3, subscribe="RU")
    segment = Segment.objects.create(name="Nobody", subscribed_countries=["BY"])
    mailing = make_alert(segment=segment)
    with pytest.raises(ValidationError, match="nobody"):
        services.mailing_schedule(mailing=mailing, actor=None)
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT


def test_a_variant_in_the_default_language_is_required(mailing_settings):
    make_supporters(1)
    mailing = make_alert()
    mailing.variants.filter(language="en").delete()
    with pytest.raises(ValidationError, match="default language"):
        services.mailing_check_ready(mailing=mailing)


def test_segments_by_language_country_and_actions(mailing_settings):
    from outcry.actions.models import Signature

    people = make_supporters(6)  # en, fr, en, fr, en, fr; all subscribed to RU
    petition_x, petition_y = PetitionFactory(), PetitionFactory()
    signer_x = people[0][0]
    Signature.objects.create(
        petition=petition_x,
        supporter=signer_x,
        email_hash=signer_x.email_hash,
        country="RU",
        language="en",
        state=Signature.State.VALIDATED,
    )
    signer_y = people[2][0]
    Signature.objects.create(
        petition=petition_y,
        supporter=signer_y,
        email_hash=signer_y.email_hash,
        country="RU",
        language="en",
        state=Signature.State.PENDING,
    )
    french = Segment.objects.create(name="French", languages="fr")
    assert set(segment_supporters(segment=french)) == {
        p[0] for p in people if p[0].language == "fr"
    }

    took_x = Segment.objects.create(name="Took X")
    took_x.actions_set(took=[petition_x])
    assert list(segment_supporters(segment=took_x)) == [signer_x]

    not_y = Segment.objects.create(name="Not yet Y", subscribed_countries=["RU"])
    not_y.actions_set(not_took=[petition_y])
    assert signer_y not in set(segment_supporters(segment=not_y))
    assert segment_supporters(segment=not_y).count() == 5

    elsewhere = Segment.objects.create(name="In France", countries=["FR"])
    assert segment_supporters(segment=elsewhere).count() == 0


def test_unsubscribed_and_undeliverable_people_are_never_in_a_segment(mailing_settings):
    from outcry.supporters.services import supporter_mark_undeliverable, supporter_unsubscribe_all

    people = make_supporters(3)
    supporter_unsubscribe_all(supporter=people[0][0], source="test")
    supporter_mark_undeliverable(supporter=people[1][0], reason="550", kind="complaint")
    segment = Segment.objects.create(name="All RU", subscribed_countries=["RU"])
    assert list(segment_supporters(segment=segment)) == [people[2][0]]


def test_a_scheduled_mailing_broken_before_its_time_goes_back_to_draft(mailing_settings):
    from datetime import timedelta

    from django.utils import timezone

    make_supporters(2)
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None, at=timezone.now() + timedelta(hours=1))
    MailingVariant.objects.filter(mailing=mailing, language="en").update(body="{{ oops }}")

    started = services.mailing_start(mailing_id=mailing.pk, now=timezone.now() + timedelta(hours=2))

    assert not started
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.DRAFT
    assert not mailing.recipients.exists()


def test_throttle_spaces_messages_at_the_configured_rate():
    """Ten messages a second: a burst of five waits 0, 0.1, 0.2, 0.3, 0.4 s; after a pause
    longer than the interval, the next goes at once (no catching up in a burst)."""
    from outcry.mailings.sending import Throttle

    now = [100.0]
    waited: list[float] = []
    throttle = Throttle(10, clock=lambda: now[0], sleep=waited.append)
    for _ in range(5):
        throttle.wait()
    assert [round(w, 3) for w in waited] == [0.1, 0.2, 0.3, 0.4]

    now[0] += 5
    waited.clear()
    throttle.wait()
    assert waited == []
    unlimited = Throttle(0, clock=lambda: now[0], sleep=waited.append)
    for _ in range(100):
        unlimited.wait()
    assert waited == []
