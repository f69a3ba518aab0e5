"""Writing a message: the length limit, the comments' spam defences, rate limits, and the
same page whatever happened."""

import pytest

from outcry.actions.models import BlockedSource, ParticipationState
from outcry.comments.models import BlockedTerm
from outcry.solidarity.models import Moderation, SolidarityMessage
from tests.solidarity.conftest import message_data

pytestmark = pytest.mark.django_db


def url(action) -> str:
    return f"/en/solidarity/{action.slug}/"


def test_page_invites_to_write_to_the_person(client, action):
    page = client.get(url(action)).content.decode()
    assert "Send a message of solidarity to Elena Milashina" in page
    assert "0 messages of solidarity" in page


def test_french_page_invites_in_french(client, action):
    page = client.get(f"/fr/solidarity/{action.slug}/").content.decode()
    assert "Envoyez un message de solidarité à Elena Milachina" in page
    assert "0 message de solidarité" in page


def test_message_over_the_limit_gets_a_plain_error_and_keeps_the_text(client, action):
    """Nothing is stored; the page says how long it is and keeps what was typed."""
    action.max_length = 20
    action.save()
    text = "Elena, we are thinking of you every day."
    response = client.post(url(action), message_data(message=text))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Your message is 40 characters long; the limit is 20. Please shorten it." in page
    assert text in page
    assert not SolidarityMessage.objects.exists()


def test_message_is_held_with_the_page_language_and_its_own(client, action):
    response = client.post(
        f"/fr/solidarity/{action.slug}/", message_data(message_language="pl", message="Elena!")
    )
    assert response.status_code == 302
    message = SolidarityMessage.objects.get()
    assert (message.language, message.message_language) == ("fr", "pl")
    assert message.moderation == Moderation.HELD
    assert message.state == ParticipationState.PENDING


def test_too_many_links_hold_the_message_with_the_reason(client, action, settings):
    """As for comments: beyond COMMENT_MAX_LINKS the moderator is told why to look."""
    settings.COMMENT_MAX_LINKS = 1
    text = "See https://a.example and https://b.example"
    assert client.post(url(action), message_data(message=text)).status_code == 302
    message = SolidarityMessage.objects.get()
    assert message.moderation == Moderation.HELD
    assert message.held_reason == "2 links"


def test_blocked_spam_term_refuses_the_message_without_an_email(client, action, smtp_server, tasks):
    """A comments' blocked term set to "spam": rejected at once, never emailed or counted,
    and the writer sees the same page as anyone."""
    BlockedTerm.objects.create(
        term="casino", kind=BlockedTerm.Kind.WORD, effect=BlockedTerm.Effect.SPAM
    )
    response = client.post(url(action), message_data(message="Best casino bonus"))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/solidarity/{action.slug}/check-your-email/")
    message = SolidarityMessage.objects.get()
    assert message.moderation == Moderation.REJECTED
    assert message.state == ParticipationState.INVALIDATED
    assert "blocked word “casino”" in message.held_reason
    tasks.run()
    assert smtp_server.messages == []


def test_blocked_hold_term_is_noted_for_the_moderator(client, action):
    BlockedTerm.objects.create(
        term="traitor", kind=BlockedTerm.Kind.WORD, effect=BlockedTerm.Effect.HOLD
    )
    client.post(url(action), message_data(message="You are no traitor, Elena."))
    message = SolidarityMessage.objects.get()
    assert message.moderation == Moderation.HELD
    assert message.state == ParticipationState.PENDING
    assert message.held_reason == "blocked word “traitor”"


def test_blocked_email_domain_is_flagged_and_never_emailed(client, action, smtp_server, tasks):
    """The signatures' blocked sources apply: same page, no email, never counted."""
    BlockedSource.objects.create(
        kind=BlockedSource.Kind.EMAIL_DOMAIN, value="example.org", reason="flood"
    )
    assert client.post(url(action), message_data()).status_code == 302
    message = SolidarityMessage.objects.get()
    assert message.state == ParticipationState.FLAGGED
    assert message.flag_reason == "blocked_domain"
    tasks.run()
    assert smtp_server.messages == []


def test_over_the_rate_limit_nothing_is_stored(client, action, settings):
    """The comments' per-address limits: refused (429), the text kept."""
    settings.COMMENT_RATE_BURST_PER_MINUTE = 1
    assert client.post(url(action), message_data()).status_code == 302
    response = client.post(url(action), message_data(email="other@example.org"))
    assert response.status_code == 429
    assert "Elena, we stand with you." in response.content.decode()
    assert SolidarityMessage.objects.count() == 1


def test_second_message_from_an_address_writes_nothing_and_shows_the_same_page(client, action):
    first = client.post(url(action), message_data())
    second = client.post(url(action), message_data(message="Again"))
    assert first["Location"] == second["Location"]
    assert SolidarityMessage.objects.count() == 1


def test_closed_action_takes_no_message(client, action):
    action.status = "closed"
    action.save()
    response = client.post(url(action), message_data())
    assert response.status_code == 403
    assert not SolidarityMessage.objects.exists()


def test_keep_informed_is_recorded_as_a_consent(client, action):
    from outcry.supporters.models import ConsentRecord

    client.post(url(action), message_data(keep_informed="on"))
    record = ConsentRecord.objects.get()
    assert record.purpose == ConsentRecord.Purpose.KEEP_INFORMED
    assert record.given
    assert SolidarityMessage.objects.get().keep_informed
