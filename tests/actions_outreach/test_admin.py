"""Staff set up letter and call actions in the admin; supporters' words stay sealed there."""

from django.urls import reverse

from tests import actors
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory


def test_campaigner_opens_letter_and_call_actions(client, campaigner):
    actors.logged_in(client, campaigner)
    letter, call = LetterActionFactory(), CallActionFactory()
    for name in ("letteraction", "callaction"):
        assert client.get(reverse(f"admin:actions_{name}_add")).status_code == 200
        assert client.get(reverse(f"admin:actions_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:actions_letteraction_change", args=[letter.pk]))
    assert page.status_code == 200
    assert "minister@mfa.example" in page.content.decode()
    page = client.get(reverse("admin:actions_callaction_change", args=[call.pk]))
    assert page.status_code == 200


def test_letters_in_the_admin_show_no_personal_data(
    client, tasks, smtp_server, write, administrator
):
    action = LetterActionFactory()
    write(action, body="Private words of mine.")
    actors.logged_in(client, administrator)
    letter = action.letters.get()
    page = client.get(reverse("admin:actions_letter_change", args=[letter.pk])).content.decode()
    assert "Private words of mine." not in page
    assert letter.personal_data not in page
    listing = client.get(reverse("admin:actions_letter_changelist")).content.decode()
    assert "Ada" not in listing
