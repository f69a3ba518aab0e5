"""Letters to officials: from the supporter's form through the email confirmation to the
target's mail server (real SMTP on loopback), throttled, bounced and retried."""

from outcry.actions.models import Letter, LetterAction, ParticipationState
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.targets.models import Office
from tests.actions_outreach.conftest import (
    TARGET,
    confirm_path,
    letter_data,
    page_text,
    plain,
    time_passes,
)
from tests.actions_outreach.factories import LetterActionFactory, office_with_email


def letters_to_target(smtp_server, address=TARGET):
    return smtp_server.messages_to(address)


def test_confirmed_letter_reaches_the_target_with_salutation_demands_and_sign_off(
    client, tasks, smtp_server, write
):
    """Ada writes without ticking "name me"; once she confirms her address, the letter goes
    to the office's address: the holder's salutation, the numbered demands, and signed "A
    supporter from France", never with her name or city."""
    action = LetterActionFactory()
    write(action, confirm=False)
    tasks.run(include_deferred=True)
    assert letters_to_target(smtp_server) == []  # nothing before the confirmation

    [confirmation] = smtp_server.messages_to("ada@example.org")
    assert client.post(confirm_path(confirmation)).status_code == 200
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    text = plain(message)
    assert message["Subject"] == "Stop the harassment"
    assert text.startswith("Your Excellency,")
    for number in ("1. Drop the initiation", "2. Guarantee her", "3. Ensure", "4. Guarantee"):
        assert number in text
    # She did not agree to be named: the official learns her country only. (This used to
    # assert her name and city here, which was the leak.)
    assert text.rstrip().endswith("Yours sincerely,\n\nA supporter from France")
    assert "Ada" not in text and "Writer" not in text and "Lyon" not in text
    html = message.get_body(("html",)).get_content()
    assert "A supporter from France" in html
    assert "Ada" not in html and "Lyon" not in html
    assert message["Reply-To"] is None  # she did not agree to it
    letter = Letter.objects.get()
    assert letter.target_status == Letter.TargetStatus.SENT
    action.refresh_from_db()
    assert action.count == 1


def test_letter_is_signed_with_name_and_city_only_when_the_writer_agreed(
    client, tasks, smtp_server, write
):
    """Ada ticks "name me": her letter ends with her name, city and country."""
    action = LetterActionFactory()
    write(action, named_to_target="on")
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    assert plain(message).rstrip().endswith("Ada Writer\nLyon, France")
    assert "A supporter from" not in plain(message)


def test_anonymous_french_letter_signs_as_a_supporter_in_french(client, tasks, smtp_server, write):
    """A letter written on the French page, without "name me", signs in French with the
    country's French name: "Un·e sympathisant·e (Allemagne)"."""
    action = LetterActionFactory()
    write(action, language="fr", country="DE")
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    text = plain(message)
    assert text.rstrip().endswith("Un·e sympathisant·e (Allemagne)")
    assert "Germany" not in text and "Ada" not in text


def test_reply_to_is_the_supporter_only_when_they_agree(client, tasks, smtp_server, write):
    action = LetterActionFactory()
    write(action, reply_to="on")
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    assert message["Reply-To"] == "ada@example.org"
    consent = ConsentRecord.objects.get(purpose="reply_to_target")
    assert consent.given is True
    assert "reply to me" in consent.wording


def test_per_target_hourly_cap_holds_the_rest_until_the_hour_has_passed(
    client, tasks, smtp_server, write
):
    """With a cap of 2 an hour, 5 confirmed letters give 2 emails now; the others wait
    (counted, queued) and go as the hours pass, 2 at a time, each exactly once."""
    action = LetterActionFactory(hourly_cap=2, daily_cap=100)
    for n in range(5):
        write(action, email=f"writer{n}@example.org")
    tasks.run()
    assert len(letters_to_target(smtp_server)) == 2
    assert Letter.objects.filter(target_status=Letter.TargetStatus.QUEUED).count() == 3
    action.refresh_from_db()
    assert action.count == 5  # counted on confirmation, whatever the pace of sending

    time_passes(tasks, minutes=30)  # still within the hour: nothing more
    assert len(letters_to_target(smtp_server)) == 2
    time_passes(tasks, minutes=31)
    assert len(letters_to_target(smtp_server)) == 4
    time_passes(tasks, minutes=61)
    messages = letters_to_target(smtp_server)
    assert len(messages) == 5
    assert len({m["Message-ID"] for m in messages}) == 5
    assert Letter.objects.filter(target_status=Letter.TargetStatus.SENT).count() == 5


def test_daily_cap_counts_every_action_to_the_same_address(client, tasks, smtp_server, write):
    """Two actions to the same office address share its daily window."""
    office = office_with_email()
    first = LetterActionFactory(office=office, hourly_cap=100, daily_cap=3)
    second = LetterActionFactory(office=office, hourly_cap=100, daily_cap=3)
    for n in range(2):
        write(first, email=f"a{n}@example.org")
        write(second, email=f"b{n}@example.org")
    tasks.run()
    assert len(letters_to_target(smtp_server)) == 3
    assert Letter.objects.filter(target_status=Letter.TargetStatus.QUEUED).count() == 1


def test_daily_digest_bundles_the_letters_into_one_email(client, tasks, smtp_server, write):
    """One email a day bundles the letters; only the writer who ticked "name me" is named
    in it, the others sign as a supporter from their country."""
    action = LetterActionFactory(digest=True)
    for n in range(3):
        write(
            action,
            email=f"writer{n}@example.org",
            first_name=f"Writer{n}",
            named_to_target="on" if n == 0 else None,
        )
    tasks.run()
    assert letters_to_target(smtp_server) == []  # the day's letters are gathered first
    time_passes(tasks, minutes=24 * 60 + 1)
    [digest] = letters_to_target(smtp_server)
    text = plain(digest)
    assert "3 letters" in digest["Subject"]
    # (This used to assert every writer's name, which was the leak.)
    assert "Writer0 Writer" in text
    assert "Writer1" not in text and "Writer2" not in text
    assert text.count("A supporter from France") == 2
    assert "Writer1" not in digest.get_body(("html",)).get_content()
    assert text.count("Your Excellency,") == 3
    assert digest["Reply-To"] is None

    # A fourth letter the same day waits for tomorrow's digest.
    write(action, email="late@example.org", first_name="Late", named_to_target="on")
    tasks.run()
    assert len(letters_to_target(smtp_server)) == 1
    assert Letter.objects.filter(target_status=Letter.TargetStatus.QUEUED).count() == 1
    time_passes(tasks, minutes=24 * 60 + 1)
    assert len(letters_to_target(smtp_server)) == 2
    later = plain(letters_to_target(smtp_server)[1])
    assert "Late Writer" in later
    assert "Writer0" not in later


def test_target_server_refusing_for_good_marks_the_address_bounced_and_stops_sending(
    client, tasks, smtp_server, write
):
    """A 5xx from the target's server: the office's address is marked bounced with the
    reason staff see, nothing more is sent to it, and the page stops offering email."""
    action = LetterActionFactory(hourly_cap=1)
    smtp_server.handler.refuse[TARGET] = "550 5.1.1 Mailbox unavailable"
    write(action)
    write(action, email="second@example.org")
    tasks.run(include_deferred=False)
    office = Office.objects.get(pk=action.office_id)
    assert office.email_bounced_at is not None
    assert "Mailbox unavailable" in office.email_bounce_reason
    first, second = Letter.objects.order_by("pk")
    assert first.target_status == Letter.TargetStatus.BOUNCED
    assert second.target_status == Letter.TargetStatus.QUEUED

    del smtp_server.handler.refuse[TARGET]  # the server would take it now: we still stop
    time_passes(tasks, minutes=61)
    assert letters_to_target(smtp_server) == []
    second.refresh_from_db()
    assert second.target_status == Letter.TargetStatus.QUEUED

    page = client.get(f"/en/letters/{action.slug}/").content.decode()
    assert 'value="email"' not in page
    assert "no email address we can use" in page
    response = client.post(f"/en/letters/{action.slug}/", letter_data(email="third@example.org"))
    assert response.status_code == 400

    from django.contrib.admin.sites import site

    from outcry.actions.models import LetterAction

    admin = site._registry[LetterAction]
    shown = admin.target_address(LetterAction.objects.get(pk=action.pk))
    assert "BOUNCED" in shown
    assert "Mailbox unavailable" in shown


def test_temporary_failure_is_retried_and_the_letter_arrives_once(
    client, tasks, smtp_server, write
):
    action = LetterActionFactory()
    smtp_server.handler.refuse[TARGET] = "451 4.7.1 Try again later"
    write(action)
    tasks.run()
    assert letters_to_target(smtp_server) == []
    assert Office.objects.get(pk=action.office_id).email_bounced_at is None

    del smtp_server.handler.refuse[TARGET]
    tasks.run(include_deferred=True)
    tasks.run(include_deferred=True)
    assert len(letters_to_target(smtp_server)) == 1
    assert Letter.objects.get().target_status == Letter.TargetStatus.SENT


def test_the_same_person_writing_twice_is_counted_once(client, tasks, smtp_server, write):
    action = LetterActionFactory()
    write(action)
    response = client.post(f"/en/letters/{action.slug}/", letter_data(email="ADA@example.org"))
    assert response.status_code == 302  # the same page: it never reveals who wrote
    tasks.run(include_deferred=True)
    assert Letter.objects.count() == 1
    assert len(letters_to_target(smtp_server)) == 1
    action.refresh_from_db()
    assert action.count == 1
    page = page_text(client.get(f"/en/letters/{action.slug}/"))
    assert "1 letter sent" in page
    assert client.get(f"/en/letters/{action.slug}/count.json").json()["count"] == 1


def test_edited_letter_with_markup_is_sent_as_text_never_as_html(client, tasks, smtp_server, write):
    """What a supporter types is plain text: their <script> reaches the official as text,
    escaped in the HTML part, and the web tier keeps it sealed."""
    action = LetterActionFactory()
    body = 'My own words. <script>alert("x")</script> <img src=x onerror=alert(1)>\n\n1. Free her.'
    write(action, body=body)
    letter = Letter.objects.get()
    assert letter.edited is True
    assert "script" not in letter.personal_data  # sealed
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    html = message.get_body(("html",)).get_content()
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    text = plain(message)
    assert '<script>alert("x")</script>' in text  # the plain part shows what they wrote


def test_over_long_letter_gets_a_clear_error_and_nothing_is_written(client, smtp_server):
    action = LetterActionFactory(max_length=100)
    response = client.post(f"/en/letters/{action.slug}/", letter_data(body="Free her now. " * 20))
    assert response.status_code == 400
    page = response.content.decode()
    assert "the limit is 100" in page
    assert "Free her now." in page  # what they wrote is given back to shorten
    assert Letter.objects.count() == 0
    assert Supporter.objects.count() == 0
    assert ConsentRecord.objects.count() == 0


def test_letter_not_editable_ignores_a_submitted_body(client, tasks, smtp_server, write):
    action = LetterActionFactory(editable=False)
    write(action, body="Something else entirely")
    tasks.run(include_deferred=True)
    [message] = letters_to_target(smtp_server)
    assert "Something else entirely" not in plain(message)
    assert Letter.objects.get().edited is False


def test_office_without_email_offers_only_post_and_call(client):
    action = LetterActionFactory(office=office_with_email(email=""))
    page = client.get(f"/en/letters/{action.slug}/").content.decode()
    assert 'value="email"' not in page
    assert 'value="print"' in page
    assert "mailto:" not in page
    assert 'href="tel:+74956442203"' in page
    response = client.post(f"/en/letters/{action.slug}/", letter_data(route="email"))
    assert response.status_code == 400
    assert Letter.objects.count() == 0


def test_mailto_link_carries_the_model_letter(client):
    action = LetterActionFactory()
    page = client.get(f"/en/letters/{action.slug}/").content.decode()
    assert (
        "mailto:minister@mfa.example?subject=Stop%20the%20harassment&amp;body=Your%20Excellency"
        in page
    )


def test_closed_action_takes_no_letters(client, smtp_server):
    action = LetterActionFactory(status="closed")
    response = client.post(f"/en/letters/{action.slug}/", letter_data())
    assert response.status_code == 403
    assert Letter.objects.count() == 0


def test_writers_past_the_rate_limit_are_flagged_but_emailed_and_count_once_confirmed(
    client, tasks, smtp_server, settings
):
    """Many writers behind one address (a campus, a carrier's NAT, Tor) are not dropped:
    past the limit their letters are flagged for moderators but still emailed, and each
    counts and goes to the official only once its writer follows the link."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 1
    action = LetterActionFactory()
    for n in range(3):
        client.post(f"/en/letters/{action.slug}/", letter_data(email=f"w{n}@example.org"))
    tasks.run()
    assert Letter.objects.filter(state=ParticipationState.FLAGGED).count() == 2
    assert letters_to_target(smtp_server) == []

    late = smtp_server.messages_to("w2@example.org")
    assert len(late) == 1  # its confirmation
    client.get(confirm_path(late[0]))  # a mail scanner confirms nothing
    assert Letter.objects.filter(state=ParticipationState.FLAGGED).count() == 2
    assert client.post(confirm_path(late[0])).status_code == 200
    tasks.run(include_deferred=True)
    [sent] = letters_to_target(smtp_server)
    assert "A supporter from France" in plain(sent)
    assert "Ada" not in plain(sent)
    assert Letter.objects.filter(state=ParticipationState.FLAGGED).count() == 1
    assert LetterAction.objects.get(pk=action.pk).count == 1


def test_unconfirmed_letters_are_never_sent_nor_named(client, tasks, smtp_server, write):
    """Hal ticks "name me" but never follows his confirmation link: a day later the
    digest carries Ada's confirmed letter only, and Hal's name reaches the official
    nowhere."""
    action = LetterActionFactory(digest=True)
    write(action, named_to_target="on")
    write(action, email="hal@example.org", first_name="Hal", named_to_target="on", confirm=False)
    tasks.run()
    time_passes(tasks, minutes=24 * 60 + 1)
    [digest] = letters_to_target(smtp_server)
    assert "1 letter" in digest["Subject"]
    assert "Ada Writer" in plain(digest)
    assert not any("Hal" in plain(m) for m in letters_to_target(smtp_server))
    assert Letter.objects.get(state=ParticipationState.PENDING).target_status == "not_sent"
