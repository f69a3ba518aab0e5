"""Consent before mail: a mailing reaches only people whose consent covers it (an active
subscription matching it, or a confirmed "keep me informed"), and its footer names that
consent."""

import pytest
from django.utils import timezone
from django_countries import countries

from outcry.actions.models import Signature
from outcry.cases.models import CaseUpdate
from outcry.mailings import sending, services
from outcry.mailings.models import Mailing, MailingRecipient, Segment
from outcry.mailings.selectors import case_followers, mailing_audience, segment_supporters
from outcry.subscriptions.models import Subscription
from outcry.supporters.models import Supporter
from tests.actors import SupporterFactory
from tests.factories import PetitionFactory
from tests.mailings.conftest import make_alert, make_supporters

pytestmark = pytest.mark.django_db


def _person(address: str, *, language: str = "en", country: str = "RU") -> Supporter:
    """A supporter whose address is confirmed (they followed a link once)."""
    return SupporterFactory(
        email=address,
        first_name="Ivan",
        last_name="",
        country=country,
        language=language,
        confirmed=True,
    )


def _signed(supporter: Supporter, petition, *, keep_informed: bool) -> Signature:
    """A confirmed signature, with or without "keep me informed" ticked."""
    return Signature.objects.create(
        petition=petition,
        supporter=supporter,
        email_hash=supporter.email_hash,
        country=supporter.country,
        language=supporter.language,
        keep_informed=keep_informed,
        state=Signature.State.VALIDATED,
        validated_at=timezone.now(),
    )


def test_a_signer_who_declined_updates_is_in_no_segment(mailing_settings):
    """A confirmed signer who left "keep me informed" unticked and holds no subscription
    is in no segment's recipients: not the empty one, not "took action on X", not the
    case's followers, and not in the count shown before sending."""
    subscribed = [s for s, _ in make_supporters(2, subscribe="RU")]
    petition = PetitionFactory()
    declined = _person("declined@example.org")
    _signed(declined, petition, keep_informed=False)
    for supporter in subscribed:
        _signed(supporter, petition, keep_informed=False)

    everyone = Segment.objects.create(name="Everyone")
    took = Segment.objects.create(name="Took the petition")
    took.actions_set(took=[petition])
    living_in_russia = Segment.objects.create(name="Living in Russia", countries=["RU"])
    about_the_case = Segment.objects.create(name="The case")
    about_the_case.subscribed_cases.set([petition.case])
    for segment in (everyone, took, living_in_russia, about_the_case):
        assert declined not in set(segment_supporters(segment=segment)), segment.name
    assert declined not in set(case_followers(case=petition.case))

    mailing = make_alert(segment=everyone)
    assert services.mailing_check_ready(mailing=mailing) == 2
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    recipients = set(
        MailingRecipient.objects.filter(mailing=mailing).values_list("supporter", flat=True)
    )
    assert recipients == {s.pk for s in subscribed}


def test_took_action_means_participants_who_hold_a_consent(mailing_settings):
    """ "Took action on X" narrows the consented set: X's signers who asked to be kept
    informed, or who hold a subscription the segment covers, never every signer."""
    petition = PetitionFactory()
    informed = _person("informed@example.org")
    _signed(informed, petition, keep_informed=True)
    subscribed_elsewhere = make_supporters(1, subscribe="FR")[0][0]
    _signed(subscribed_elsewhere, petition, keep_informed=False)
    declined = _person("declined@example.org")
    _signed(declined, petition, keep_informed=False)

    took = Segment.objects.create(name="Took X")
    took.actions_set(took=[petition])
    assert set(segment_supporters(segment=took)) == {informed, subscribed_elsewhere}

    # A segment about Russia: a subscription to France does not cover it, nor does
    # "keep me informed" on an action of another case.
    took_about_russia = Segment.objects.create(name="Took X, Russia", subscribed_countries=["RU"])
    took_about_russia.actions_set(took=[petition])
    assert set(segment_supporters(segment=took_about_russia)) == set()

    took_about_the_case = Segment.objects.create(name="Took X, its case")
    took_about_the_case.subscribed_cases.set([petition.case])
    took_about_the_case.actions_set(took=[petition])
    assert set(segment_supporters(segment=took_about_the_case)) == {informed}


def test_turning_the_case_off_in_preferences_withdraws_keep_informed(mailing_settings):
    """ "Keep me informed" became a subscription to the case; turning that off in the
    preference centre stops the case's updates, although the signature keeps its tick."""
    petition = PetitionFactory()
    signer = _person("signer@example.org")
    _signed(signer, petition, keep_informed=True)
    subscription = Subscription.objects.create(
        supporter=signer,
        kind=Subscription.Kind.CASE,
        case=petition.case,
        language="en",
        confirmed_at=timezone.now(),
    )
    assert set(case_followers(case=petition.case)) == {signer}

    Subscription.objects.filter(pk=subscription.pk).update(ended_at=timezone.now())

    assert set(case_followers(case=petition.case)) == set()
    update = CaseUpdate.objects.create(
        case=petition.case, date=timezone.now().date(), title="Released", body="Good news."
    )
    mailing = services.mailing_from_case_update(update=update, actor=None)
    assert signer not in set(mailing_audience(mailing=mailing))


@pytest.mark.django_db(transaction=True)
def test_the_footer_names_the_consent_each_recipient_gets_it_under(smtp_server, mailing_settings):
    """Each message says why its recipient gets it, in their language: the subscription
    ("news about Russia"), or the action after which they asked to hear more."""
    subscriber, subscriber_address = make_supporters(1, subscribe="RU", languages=("en",))[0]
    petition = PetitionFactory(title="Free Elena", title_fr="Libérez Elena")
    informed = _person("informed@example.org", language="fr")
    _signed(informed, petition, keep_informed=True)
    mailing = make_alert(segment=Segment.objects.create(name="Everyone"))

    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    sending.mailing_send_due(mailing_id=mailing.pk)

    (to_subscriber,) = smtp_server.messages_to(subscriber_address)
    russia = str(countries.name("RU"))
    text = to_subscriber.get_body(preferencelist=("plain",)).get_content()
    html = to_subscriber.get_body(preferencelist=("html",)).get_content()
    expected = f"You get this email because you subscribed to news about {russia}."
    assert expected in text and expected in html

    (to_informed,) = smtp_server.messages_to("informed@example.org")
    text = to_informed.get_body(preferencelist=("plain",)).get_content()
    assert (
        "Vous recevez ce courriel parce que vous avez demandé à en savoir plus en signant "
        "« Libérez Elena »." in text
    )
    assert "keep you informed about opportunities" not in text


@pytest.mark.django_db(transaction=True)
def test_a_consent_withdrawn_after_sending_started_is_respected(smtp_server, mailing_settings):
    """Someone who turns their subscription off while a long mailing is being sent is
    skipped, not mailed under a consent they no longer give."""
    people = make_supporters(3, subscribe="RU")
    mailing = make_alert()
    services.mailing_schedule(mailing=mailing, actor=None)
    services.mailing_start(mailing_id=mailing.pk)
    Subscription.objects.filter(supporter=people[1][0]).update(ended_at=timezone.now())

    report = sending.mailing_send_due(mailing_id=mailing.pk)

    assert report.sent == 2 and report.skipped == 1
    assert smtp_server.messages_to(people[1][1]) == []
    assert Mailing.objects.get(pk=mailing.pk).status == Mailing.Status.SENT
