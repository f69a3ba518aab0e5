"""Signing a petition: the whole path, duplicates, bad input, consent, bots and rate limits."""

import hashlib
import html
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import RequestFactory
from django.test.client import encode_multipart
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

import outcry
from outcry.actions import services
from outcry.actions.challenge import challenge_issue, challenge_solved, leading_zero_bits
from outcry.actions.forms import KEEP_INFORMED_VERSION
from outcry.actions.models import Petition, Signature
from outcry.core import ratelimit
from outcry.core.crypto import email_hash
from outcry.core.http import client_ip_hash
from outcry.core.models import AuditEvent, RateLimitCounter
from outcry.supporters.models import ConsentRecord, Supporter
from tests.conftest import sign_data
from tests.factories import PetitionFactory


def message_kind(message) -> str:
    """ "confirm", "reminder" or "duplicate", from the Message-ID the app gives each email."""
    return re.search(r"<signature-[0-9a-f]{32}-([a-z]+)", message["Message-ID"]).group(1)


def confirm_links(message) -> tuple[str, str]:
    """The confirmation link in the plain-text part and in the HTML part."""
    pattern = r"https?://[^\s\"<]+/confirm/[^\s\"<]+/"
    text = re.findall(pattern, message.get_body(("plain",)).get_content())
    html_links = re.findall(pattern, message.get_body(("html",)).get_content())
    assert text, "no confirmation link in the plain-text part"
    assert html_links, "no confirmation link in the HTML part"
    return text[0], html.unescape(html_links[0])


def path_of(url: str) -> str:
    return urlsplit(url).path


def assert_nothing_written() -> None:
    assert Signature.objects.count() == 0
    assert Supporter.objects.count() == 0
    assert ConsentRecord.objects.filter(purpose="keep_informed").count() == 0
    assert DBTaskResult.objects.count() == 0


def same_response(response) -> tuple:
    """Everything a client can see of a response: status, every header, the body."""
    return response.status_code, sorted(response.headers.items()), response.content


def counted(petition: Petition) -> int:
    petition.refresh_from_db()
    return petition.count


# --- The whole path ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_signature_counts_once_after_the_emailed_link_is_followed(
    client, petition, smtp_server, tasks
):
    """A signature is emailed a confirmation (text and HTML) over SMTP, and counts exactly
    once after its link is followed; following it again changes nothing."""
    response = client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 302
    assert response["Location"] == reverse("petition-check-email", args=[petition.slug])
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Check your email" in page.content.decode()

    tasks.run()
    [message] = smtp_server.messages_to("john@example.org")
    assert message_kind(message) == "confirm"
    assert message["Subject"] == f"Please confirm your signature: {petition.title}"
    assert message["Content-Language"] == "en"
    text_link, html_link = confirm_links(message)
    assert text_link == html_link
    assert path_of(text_link).startswith("/en/confirm/")
    assert "Dear John," in message.get_body(("plain",)).get_content()
    assert counted(petition) == 0

    confirmed = client.post(path_of(text_link))
    assert confirmed.status_code == 200
    assert "your signature is confirmed" in confirmed.content.decode()
    tasks.run(include_deferred=True)  # the batched count
    assert counted(petition) == 1
    signature = Signature.objects.get()
    assert signature.state == Signature.State.VALIDATED
    assert signature.counted
    assert signature.supporter.email_confirmed_at is not None

    assert client.post(path_of(text_link)).status_code == 409
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    assert services.petition_recount(petition=petition) == 1


@pytest.mark.django_db(transaction=True)
def test_unconfirmed_signature_is_never_counted(client, petition, smtp_server, tasks):
    """An unconfirmed signature is never counted, however long the worker runs."""
    client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.2")
    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)

    assert [message_kind(m) for m in smtp_server.messages] == ["confirm", "reminder"]
    assert Signature.objects.get().state == Signature.State.PENDING
    assert counted(petition) == 0
    assert services.petition_recount(petition=petition) == 0
    assert client.get(f"/petitions/{petition.slug}/count.json").json()["count"] == 0


@pytest.mark.django_db(transaction=True)
def test_signer_on_the_french_page_is_written_to_in_french(client, petition, smtp_server, tasks):
    """Signing on the French page sends the confirmation in French (language header, French
    subject, text and HTML, French title, a /fr/ link), and the link opens a French page."""
    url = f"/fr/petitions/{petition.slug}/"
    response = client.post(url, sign_data(email="marie@example.org"), REMOTE_ADDR="192.0.2.3")
    assert response.status_code == 302
    assert response["Location"] == f"/fr/petitions/{petition.slug}/check-email/"
    assert Signature.objects.get().language == "fr"

    tasks.run()
    [message] = smtp_server.messages_to("marie@example.org")
    assert message["Content-Language"] == "fr"
    subject = " ".join(message["Subject"].split())  # French puts a no-break space before ":"
    assert subject == f"Confirmez votre signature : {petition.title_fr}"
    text = message.get_body(("plain",)).get_content()
    assert petition.title_fr in text
    assert "Bonjour John," in text
    assert "Please confirm" not in text
    body_html = html.unescape(message.get_body(("html",)).get_content())
    assert petition.title_fr in body_html
    assert "Confirmer ma signature" in body_html
    text_link, html_link = confirm_links(message)
    assert text_link == html_link
    assert path_of(text_link).startswith("/fr/confirm/")

    confirmed = client.post(path_of(text_link))
    assert confirmed.status_code == 200
    assert '<html lang="fr">' in confirmed.content.decode()
    assert "Votre signature est confirmée" in confirmed.content.decode()


# --- Signing again ----------------------------------------------------------------------

FIRST_ADDRESS = "john.doe@gmail.com"
SAME_PERSON = [
    "JOHN.DOE@GMAIL.COM",
    "  john.doe@gmail.com  ",
    "johndoe@gmail.com",
    "j.o.h.n.doe@gmail.com",
    "john.doe+petitions@gmail.com",
    "John.Doe+x@googlemail.com",
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("again", SAME_PERSON)
def test_signing_again_with_the_same_address_is_not_counted_twice(
    client, petition, smtp_server, tasks, again
):
    """Signing again with the same address however typed (case, spaces, Gmail dots and
    +tags) writes nothing, is not counted twice, and gets exactly the response a first
    signature gets."""
    url = petition.get_absolute_url()
    first = client.post(url, sign_data(email=FIRST_ADDRESS), REMOTE_ADDR="192.0.2.10")
    tasks.run()
    [confirmation] = smtp_server.messages_to(FIRST_ADDRESS)
    assert client.post(path_of(confirm_links(confirmation)[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    tasks_before = DBTaskResult.objects.count()

    second = client.post(
        url,
        sign_data(email=again, first_name="Mallory", keep_informed="on"),
        REMOTE_ADDR="192.0.2.11",
    )

    assert same_response(second) == same_response(first)
    assert Signature.objects.count() == 1
    assert Supporter.objects.count() == 1
    assert ConsentRecord.objects.filter(purpose="keep_informed").count() == 1
    assert (
        ConsentRecord.objects.filter(purpose="keep_informed").get().given is False
    )  # the second answer was not recorded
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    assert services.petition_recount(petition=petition) == 1
    # The only new work is the one "already signed" notice.
    assert DBTaskResult.objects.count() == tasks_before + 1


@pytest.mark.django_db(transaction=True)
def test_signing_again_sends_one_already_signed_notice_an_hour(
    client, petition, smtp_server, tasks
):
    """The owner of an address that signs again gets one polite "already signed" email, to
    the address as they first typed it, and no other within the hour."""
    url = petition.get_absolute_url()
    client.post(url, sign_data(email=FIRST_ADDRESS), REMOTE_ADDR="192.0.2.20")
    tasks.run()
    for n, again in enumerate(SAME_PERSON):
        response = client.post(url, sign_data(email=again), REMOTE_ADDR=f"192.0.2.{21 + n}")
        assert response.status_code == 302
    tasks.run()

    notices = [m for m in smtp_server.messages if message_kind(m) == "duplicate"]
    assert len(notices) == 1
    [notice] = notices
    assert notice["To"] == FIRST_ADDRESS
    assert notice["Subject"] == f"You have already signed: {petition.title}"
    assert "already signed" in notice.get_body(("plain",)).get_content()
    assert "already signed" in notice.get_body(("html",)).get_content()

    # An hour later, another attempt gets another notice.
    signature = Signature.objects.get()
    Signature.objects.filter(pk=signature.pk).update(
        duplicate_notified_at=signature.duplicate_notified_at - services.DUPLICATE_NOTICE_INTERVAL
    )
    client.post(url, sign_data(email=FIRST_ADDRESS), REMOTE_ADDR="192.0.2.40")
    tasks.run()
    assert len([m for m in smtp_server.messages if message_kind(m) == "duplicate"]) == 2


@pytest.mark.django_db(transaction=True)
def test_already_signed_notice_carries_a_working_link_while_unconfirmed(
    client, petition, smtp_server, tasks
):
    """Whoever lost the first email can sign again: the "already signed" notice of an
    unconfirmed signature carries a link that confirms it; a confirmed one's carries none."""
    url = petition.get_absolute_url()
    client.post(url, sign_data(), REMOTE_ADDR="192.0.2.50")
    client.post(url, sign_data(email="JOHN@example.org"), REMOTE_ADDR="192.0.2.51")
    tasks.run()
    [notice] = [m for m in smtp_server.messages if message_kind(m) == "duplicate"]
    link, _ = confirm_links(notice)
    assert client.post(path_of(link)).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1

    Signature.objects.update(duplicate_notified_at=None)
    client.post(url, sign_data(), REMOTE_ADDR="192.0.2.52")
    tasks.run()
    notices = [m for m in smtp_server.messages if message_kind(m) == "duplicate"]
    assert len(notices) == 2
    assert "/confirm/" not in notices[-1].get_body(("plain",)).get_content()
    assert counted(petition) == 1


# --- Bad input --------------------------------------------------------------------------

BAD_INPUT = {
    "missing first name": ({"first_name": ""}, "This field is required."),
    "blank last name": ({"last_name": "   "}, "This field is required."),
    "missing email": ({"email": ""}, "This field is required."),
    "missing country": ({"country": ""}, "This field is required."),
    "unknown country": ({"country": "XX"}, "Select a valid choice."),
    "malformed email": ({"email": "john@@example"}, "Enter a valid email address."),
    "email without a domain": ({"email": "john"}, "Enter a valid email address."),
    "10 kB name": ({"first_name": "J" * 10_240}, "Ensure this value has at most 100 characters"),
    "NUL in a name": ({"first_name": "Jo\x00hn"}, "Null characters are not allowed."),
    "bell in a name": ({"last_name": "Do\x07e"}, "Please remove the invisible or control"),
    "right-to-left override in a name": (
        {"last_name": "\u202eeoD"},
        "Please remove the invisible or control",
    ),
    "zero-width space in a name": (
        {"first_name": "Jo\u200bhn"},
        "Please remove the invisible or control",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("overrides,message", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_is_refused_with_a_message_and_writes_nothing(
    client, petition, overrides, message
):
    """Missing, malformed, oversized or invisible-character input is refused with a clear
    message and a 400, and nothing at all is written."""
    response = client.post(
        petition.get_absolute_url(), sign_data(**overrides), REMOTE_ADDR="192.0.2.60"
    )
    assert response.status_code == 400
    content = html.unescape(response.content.decode())
    assert "Please correct the errors below." in content
    assert message in content
    assert_nothing_written()


@pytest.mark.django_db
def test_empty_post_is_refused_with_a_message_for_each_field(client, petition):
    """A form posted empty names every missing field and writes nothing."""
    response = client.post(petition.get_absolute_url(), {}, REMOTE_ADDR="192.0.2.61")
    assert response.status_code == 400
    assert response.content.decode().count("This field is required.") == 4
    assert_nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "multipart/form-data; boundary=BoUnDaRy"]
)
def test_oversized_post_is_refused_with_413(client, petition, settings, content_type):
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE gets a 413 (refused before it is read by
    PUBLIC_MAX_REQUEST_BODY, which is smaller), not a server error."""
    name = "J" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    if content_type.startswith("multipart"):
        body = encode_multipart("BoUnDaRy", sign_data(first_name=name))
    else:
        body = urlencode(sign_data(first_name=name))
    response = client.generic(
        "POST",
        petition.get_absolute_url(),
        body,
        content_type=content_type,
        REMOTE_ADDR="192.0.2.62",
    )
    assert response.status_code == 413
    assert_nothing_written()


REFUSED = {
    "closed": ({"closed": True}, 403, "This petition is closed."),
    "past its closing date": ({"expired": True}, 403, "This petition is closed."),
    "paused": (
        {"signing_paused": True},
        403,
        "Signing is paused on this petition for now. Please try again later.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("traits,status,message", REFUSED.values(), ids=REFUSED.keys())
def test_petition_not_taking_signatures_refuses_with_the_reason(client, traits, status, message):
    """A closed, expired or paused petition refuses a signature with the reason, a 403,
    and writes nothing; its page says so instead of showing the form."""
    petition = PetitionFactory(**traits)
    response = client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.63")
    assert response.status_code == status
    assert message in response.content.decode()
    assert 'name="email"' not in response.content.decode()
    assert_nothing_written()

    page = client.get(petition.get_absolute_url())
    assert page.status_code == 200
    assert message in page.content.decode()
    assert 'name="email"' not in page.content.decode()


@pytest.mark.django_db
def test_draft_petition_is_not_found(client):
    """A draft petition does not exist for the public: its page and its form are 404."""
    petition = PetitionFactory(status=Petition.Status.DRAFT)
    assert client.get(petition.get_absolute_url()).status_code == 404
    response = client.post(petition.get_absolute_url(), sign_data(), REMOTE_ADDR="192.0.2.64")
    assert response.status_code == 404
    assert client.get(f"/petitions/{petition.slug}/count.json").status_code == 404
    assert_nothing_written()


@pytest.mark.django_db
def test_unknown_language_prefix_is_not_found(client, petition):
    """A language the site does not offer is a 404, for reading and for signing."""
    url = f"/de/petitions/{petition.slug}/"
    assert client.get(url).status_code == 404
    assert client.post(url, sign_data(), REMOTE_ADDR="192.0.2.65").status_code == 404
    assert_nothing_written()


# --- Consent ----------------------------------------------------------------------------


def shown_consent_wording(page_html: str) -> str:
    match = re.search(r'<label for="id_keep_informed">(.*?)</label>', page_html, re.S)
    assert match, "the keep-informed box has no label"
    return html.unescape(match.group(1))


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("ticked", [True, False], ids=["ticked", "unticked"])
def test_consent_record_keeps_the_exact_words_shown_and_the_answer(
    client, petition, language, ticked
):
    """The consent record keeps the words shown on the page, their version, the page, the
    language and the answer, whether the box was ticked or not."""
    url = f"/{language}/petitions/{petition.slug}/"
    page = client.get(url).content.decode()
    wording = shown_consent_wording(page)

    data = sign_data(keep_informed="on") if ticked else sign_data()
    assert client.post(url, data, REMOTE_ADDR="192.0.2.70").status_code == 302

    record = ConsentRecord.objects.filter(purpose="keep_informed").get()
    assert record.wording == wording
    assert record.wording_version == KEEP_INFORMED_VERSION
    assert record.source_url == f"http://testserver{url}"
    assert record.language == language
    assert record.given is ticked
    assert record.purpose == ConsentRecord.Purpose.KEEP_INFORMED
    assert record.supporter == Supporter.objects.get()
    assert Signature.objects.get().keep_informed is ticked


@pytest.mark.django_db
def test_keep_informed_box_is_unticked_by_default(client, petition):
    """The "keep me informed" box is not ticked until the supporter ticks it."""
    page = client.get(petition.get_absolute_url()).content.decode()
    [checkbox] = re.findall(r"<input[^>]*name=\"keep_informed\"[^>]*>", page)
    assert 'type="checkbox"' in checkbox
    assert "checked" not in checkbox


# --- Bots and rate limits ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_filled_honeypot_gets_the_usual_redirect_and_stores_nothing(
    client, petition, smtp_server, tasks
):
    """A bot that fills the hidden field is shown the usual "check your email" redirect,
    and nothing is stored or sent."""
    url = petition.get_absolute_url()
    bot = client.post(url, sign_data(website="http://spam.example/"), REMOTE_ADDR="198.51.100.1")
    assert_nothing_written()
    tasks.run(include_deferred=True)
    assert smtp_server.messages == []

    person = client.post(url, sign_data(email="jane@example.org"), REMOTE_ADDR="198.51.100.2")
    assert same_response(bot) == same_response(person)
    assert Signature.objects.count() == 1


@pytest.fixture
def one_minute(monkeypatch):
    """Hold the rate limiter's clock inside one minute, so the window cannot roll over."""
    now = (int(time.time()) // 3600) * 3600 + 30.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now))


def client_ip_hash_of(ip: str) -> str:
    """The hashed bucket the site files a request from ``ip`` under."""
    return client_ip_hash(RequestFactory().get("/", REMOTE_ADDR=ip))


def challenge_of(response) -> str:
    match = re.search(r'data-challenge="([^"]+)"', response.content.decode())
    assert match, "no challenge on the page"
    return html.unescape(match.group(1))


def solve(challenge: str, difficulty: int) -> str:
    """What challenge.js does in the browser, done here to drive the form."""
    for n in range(1 << (difficulty + 8)):
        if leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) >= difficulty:
            return str(n)
    raise AssertionError("no solution found")


def fill_the_ip_bucket(client, url: str, ip: str, count: int) -> list:
    return [
        client.post(url, sign_data(email=f"p{n}@example.org"), REMOTE_ADDR=ip) for n in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_signer_past_the_burst_limit_solves_the_challenge_and_counts_once_confirmed(
    client, petition, smtp_server, tasks, settings, one_minute
):
    """The 11th signer within a minute behind one address (a campus, a carrier's NAT, Tor)
    is not dropped: a page with no cookie and nothing from elsewhere asks their browser to
    solve a small challenge, the signature is then taken like any other (the limit noted
    for moderators), emailed, and counted once its link is followed."""
    assert settings.SIGN_RATE_BURST_PER_MINUTE == 10
    url = petition.get_absolute_url()
    first, *_ = fill_the_ip_bucket(client, url, "203.0.113.9", 10)

    page = client.post(url, sign_data(email="late@example.org"), REMOTE_ADDR="203.0.113.9")
    assert page.status_code == 200
    assert not Signature.objects.filter(email_hash=email_hash("late@example.org")).exists()
    assert not page.cookies
    assert "no-store" in page["Cache-Control"]
    body = page.content.decode()
    assert 'src="/static/outcry/challenge.js"' in body
    assert not re.search(r'(src|href)="(https?:)?//', body)
    assert 'name="email" value="late@example.org"' in body

    challenge = challenge_of(page)
    answer = solve(challenge, settings.SIGN_CHALLENGE_DIFFICULTY_BITS)
    done = client.post(
        url,
        sign_data(email="late@example.org", challenge=challenge, challenge_solution=answer),
        REMOTE_ADDR="203.0.113.9",
    )
    assert same_response(done) == same_response(first)
    late = Signature.objects.get(email_hash=email_hash("late@example.org"))
    assert late.state == Signature.State.PENDING
    assert late.flag_reason == Signature.FlagReason.IP_BURST

    tasks.run()
    [message] = smtp_server.messages_to("late@example.org")
    assert client.post(path_of(confirm_links(message)[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


@pytest.mark.django_db(transaction=True)
def test_signer_without_javascript_is_flagged_but_emailed_and_counts_once_confirmed(
    client, petition, smtp_server, tasks, one_minute
):
    """Without JavaScript the challenge page's button sends the signature as flagged: the
    signer sees the usual page, is emailed the link all the same, and their signature
    counts once they follow it, like everyone else's."""
    url = petition.get_absolute_url()
    first, *_ = fill_the_ip_bucket(client, url, "203.0.113.20", 10)
    page = client.post(url, sign_data(email="nojs@example.org"), REMOTE_ADDR="203.0.113.20")
    sent = client.post(
        url,
        sign_data(email="nojs@example.org", challenge=challenge_of(page), challenge_fallback="on"),
        REMOTE_ADDR="203.0.113.20",
    )
    assert same_response(sent) == same_response(first)
    flagged = Signature.objects.get(state=Signature.State.FLAGGED)
    assert flagged.flag_reason == Signature.FlagReason.IP_BURST

    tasks.run()
    [message] = smtp_server.messages_to("nojs@example.org")
    assert client.post(path_of(confirm_links(message)[0])).status_code == 200
    tasks.run(include_deferred=True)
    flagged.refresh_from_db()
    assert flagged.state == Signature.State.VALIDATED
    assert flagged.confirmed_at is not None
    assert counted(petition) == 1
    assert services.petition_recount(petition=petition) == 1


@pytest.mark.django_db(transaction=True)
def test_submissions_asked_to_solve_the_challenge_or_duplicates_still_count_against_limits(
    client, petition, settings, one_minute
):
    """The counters are hit in the submission's own transaction: a submission answered
    with the challenge, or found to be a duplicate, writes no signature but its hits stay
    counted, so retrying without solving it never brings an address back under a limit."""
    settings.RATE_LIMIT_STORE = "database"
    url = petition.get_absolute_url()
    ip = "203.0.113.30"
    fill_the_ip_bucket(client, url, ip, 9)
    client.post(url, sign_data(email="p0@example.org"), REMOTE_ADDR=ip)  # a duplicate
    for attempt in range(2):
        page = client.post(url, sign_data(email=f"late{attempt}@example.org"), REMOTE_ADDR=ip)
        assert "challenge" in page.content.decode()
    burst = RateLimitCounter.objects.get(
        key=ratelimit._counter_key(f"sign:{client_ip_hash_of(ip)}", 60, ratelimit.time.time())
    )
    assert burst.count == 12
    assert Signature.objects.filter(petition=petition).count() == 9


@pytest.mark.django_db(transaction=True)
def test_a_solved_challenge_does_not_let_other_signatures_through(
    client, petition, settings, one_minute
):
    """A challenge names the submission it was issued for: its solution does not pass
    another address, and a forged or empty one gets the challenge again, writing nothing."""
    url = petition.get_absolute_url()
    fill_the_ip_bucket(client, url, "203.0.113.30", 10)
    page = client.post(url, sign_data(email="a@example.org"), REMOTE_ADDR="203.0.113.30")
    challenge = challenge_of(page)
    answer = solve(challenge, settings.SIGN_CHALLENGE_DIFFICULTY_BITS)
    for attempt in [
        {"email": "b@example.org", "challenge": challenge, "challenge_solution": answer},
        {"email": "a@example.org", "challenge": challenge + "x", "challenge_solution": answer},
        {"email": "a@example.org", "challenge": challenge, "challenge_solution": "1" * 20},
    ]:
        again = client.post(url, sign_data(**attempt), REMOTE_ADDR="203.0.113.30")
        assert again.status_code == 200
        assert challenge_of(again)
    assert Signature.objects.count() == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "kind,value,reason",
    [
        ("email_domain", "Flood.Example", Signature.FlagReason.BLOCKED_DOMAIN),
        ("ip_hash", None, Signature.FlagReason.BLOCKED_IP),
    ],
)
def test_blocked_source_gets_the_usual_page_but_no_email_and_never_counts(
    client, petition, smtp_server, tasks, moderator, kind, value, reason
):
    """A signature from a domain (or its subdomains) or a hashed IP that staff blocked gets
    exactly the page anyone gets, but no email, and never counts; the block is audited."""
    blocked_ip = "198.51.100.66"
    url = petition.get_absolute_url()
    normal = client.post(url, sign_data(email="jane@example.org"), REMOTE_ADDR="198.51.100.65")
    services.blocked_source_add(
        kind=kind, value=value or client_ip_hash_of(blocked_ip), reason="a flood", actor=moderator
    )
    assert AuditEvent.objects.filter(object_type="actions.blockedsource").count() == 1
    blocked = client.post(url, sign_data(email="bot@mx.flood.example"), REMOTE_ADDR=blocked_ip)
    assert same_response(blocked) == same_response(normal)
    signature = Signature.objects.get(email_hash=email_hash("bot@mx.flood.example"))
    assert (signature.state, signature.flag_reason) == (Signature.State.FLAGGED, reason)

    tasks.run(include_deferred=True)
    assert smtp_server.messages_to("bot@mx.flood.example") == []
    token = services.confirmation_token(
        Signature.objects.get(email_hash=email_hash("jane@example.org"))
    )
    client.post(reverse("signature-confirm", args=[token]))
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


@pytest.mark.django_db(transaction=True)
def test_owner_of_an_address_a_blocked_source_used_can_still_sign_and_count(
    client, petition, smtp_server, tasks, moderator
):
    """Someone signing with another person's address from a blocked IP does not lock that
    person out: when the owner signs from elsewhere they get the link, and count."""
    services.blocked_source_add(
        kind="ip_hash", value=client_ip_hash_of("198.51.100.77"), reason="x", actor=moderator
    )
    url = petition.get_absolute_url()
    client.post(url, sign_data(email="owner@example.org"), REMOTE_ADDR="198.51.100.77")
    tasks.run()
    assert smtp_server.messages_to("owner@example.org") == []

    client.post(url, sign_data(email="owner@example.org"), REMOTE_ADDR="198.51.100.78")
    tasks.run()
    [notice] = smtp_server.messages_to("owner@example.org")
    assert client.post(path_of(confirm_links(notice)[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1


@pytest.mark.django_db(transaction=True)
def test_moderator_validation_never_counts_an_unconfirmed_address(
    client, petition, smtp_server, tasks, moderator
):
    """Validating a flagged signature whose address nobody confirmed does not count it: it
    goes back to pending, its owner is emailed the link, and it counts once followed. A
    confirmed one is counted at once."""
    services.blocked_source_add(
        kind="email_domain", value="held.example", reason="x", actor=moderator
    )
    url = petition.get_absolute_url()
    client.post(url, sign_data(email="held@held.example"), REMOTE_ADDR="192.0.2.90")
    held = Signature.objects.get()
    assert held.state == Signature.State.FLAGGED

    services.signatures_moderate(signatures=Signature.objects.all(), validate=True, actor=moderator)
    tasks.run(include_deferred=False)
    held.refresh_from_db()
    assert held.state == Signature.State.PENDING
    assert counted(petition) == 0
    assert services.petition_recount(petition=petition) == 0

    [message] = smtp_server.messages_to("held@held.example")
    assert client.post(path_of(confirm_links(message)[0])).status_code == 200
    tasks.run(include_deferred=True)
    assert counted(petition) == 1
    assert (
        services.signatures_moderate(
            signatures=Signature.objects.all(), validate=True, actor=moderator
        )
        == 0
    )


@pytest.mark.django_db(transaction=True)
def test_many_new_signatures_from_one_small_domain_meet_the_challenge(client, petition, settings):
    """Flooding does not need one IP: past SIGN_DOMAIN_RATE_PER_HOUR new signatures from one
    email domain (large providers aside), signers meet the challenge, whatever their IP."""
    settings.SIGN_DOMAIN_RATE_PER_HOUR = 2
    url = petition.get_absolute_url()
    for n in range(2):
        sent = client.post(url, sign_data(email=f"u{n}@small.example"), REMOTE_ADDR=f"192.0.2.{n}")
        assert sent.status_code == 302
    third = client.post(url, sign_data(email="u3@small.example"), REMOTE_ADDR="192.0.2.99")
    assert challenge_of(third)
    for n in range(3):
        sent = client.post(url, sign_data(email=f"u{n}@gmail.com"), REMOTE_ADDR=f"192.0.2.1{n}")
        assert sent.status_code == 302


@pytest.mark.django_db(transaction=True)
def test_plus_tags_cannot_mail_bomb_one_mailbox(client, petition, smtp_server, tasks, settings):
    """victim+1@, victim+2@… reach one mailbox: past SIGN_MAILBOX_RATE_PER_HOUR signing
    emails an hour to it, further signatures are kept flagged for a moderator, unsent, with
    the same page."""
    settings.SIGN_MAILBOX_RATE_PER_HOUR = 3
    url = petition.get_absolute_url()
    responses = [
        client.post(
            url, sign_data(email=f"victim+{n}@fastmail.example"), REMOTE_ADDR=f"192.0.2.{n}"
        )
        for n in range(6)
    ]
    assert all(same_response(r) == same_response(responses[0]) for r in responses)
    tasks.run(include_deferred=True)
    assert len([m for m in smtp_server.messages if message_kind(m) == "confirm"]) == 3
    assert Signature.objects.filter(flag_reason=Signature.FlagReason.MAILBOX_RATE).count() == 3
    # Identity keeps the tags: each is its own signature.
    assert Signature.objects.count() == 6


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
@pytest.mark.django_db
def test_the_browser_script_solves_a_real_challenge(petition, settings):
    """challenge.js computes SHA-256 as the server does: its answer to a challenge issued by
    the server is accepted."""
    subject = f"{petition.pk}:{email_hash('js@example.org')}"
    challenge = challenge_issue(subject=subject)
    script = Path(outcry.__file__).parent / "static" / "outcry" / "challenge.js"
    run = subprocess.run(  # noqa: S603 - a fixed program and our own file
        [
            shutil.which("node"),
            "-e",
            "require(process.argv[1]).solve(process.argv[2], +process.argv[3], console.log)",
            str(script),
            challenge,
            str(settings.SIGN_CHALLENGE_DIFFICULTY_BITS),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    solution = run.stdout.strip()
    assert challenge_solved(challenge=challenge, solution=solution, subject=subject)
    assert not challenge_solved(challenge=challenge, solution=solution, subject=subject + "x")
