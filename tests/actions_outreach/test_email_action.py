"""Email-a-target: a short message by email only, with the same throttle as letters."""

from outcry.actions.models import LetterAction
from tests.actions_outreach.conftest import TARGET, letter_data, page_text, plain
from tests.actions_outreach.factories import LetterActionFactory


def email_action(**kwargs):
    return LetterActionFactory(
        kind=LetterAction.Kind.EMAIL,
        subject="Free Elena Milashina",
        body="Please drop the charges against Elena Milashina.",
        max_length=500,
        **kwargs,
    )


def test_email_action_offers_email_only_and_counts_emails_sent(client, tasks, smtp_server, write):
    action = email_action(hourly_cap=1)
    page = client.get(f"/en/letters/{action.slug}/").content.decode()
    assert 'value="email"' in page
    assert 'value="print"' not in page
    assert "letter.pdf" not in page
    assert "Send your message" in page
    write(action, body="Drop the charges now, please.")
    write(action, email="second@example.org")
    tasks.run()
    [message] = smtp_server.messages_to(TARGET)  # the cap holds the second one back
    assert "Drop the charges now, please." in plain(message)
    assert "2 emails sent" in page_text(client.get(f"/en/letters/{action.slug}/"))


def test_email_action_refuses_the_print_route(client, smtp_server):
    action = email_action()
    response = client.post(f"/en/letters/{action.slug}/", letter_data(route="print"))
    assert response.status_code == 400


def test_too_long_message_is_refused_in_french_with_the_limit(client, smtp_server):
    action = email_action()
    response = client.post(f"/fr/letters/{action.slug}/", letter_data(body="Libérez-la. " * 60))
    assert response.status_code == 400
    assert "la limite est de 500" in page_text(response)
