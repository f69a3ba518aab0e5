"""Staff set up letter and call actions in the admin; supporters' words stay sealed there."""

from django.contrib.auth.models import User
from django.urls import reverse

from outcry.core import roles
from outcry.core.roles import CAMPAIGNER
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory


def campaigner(client):
    from django.contrib.auth.models import Group

    roles.roles_sync()
    user = User.objects.create_user("alice", password="pw", is_staff=True)
    user.groups.set([Group.objects.get(name=CAMPAIGNER)])
    client.force_login(user)
    return user


def test_campaigner_opens_letter_and_call_actions(client):
    campaigner(client)
    letter, call = LetterActionFactory(), CallActionFactory()
    for name in ("letteraction", "callaction"):
        assert client.get(reverse(f"admin:actions_{name}_add")).status_code == 200
        assert client.get(reverse(f"admin:actions_{name}_changelist")).status_code == 200
    page = client.get(reverse("admin:actions_letteraction_change", args=[letter.pk]))
    assert page.status_code == 200
    assert "minister@mfa.example" in page.content.decode()
    page = client.get(reverse("admin:actions_callaction_change", args=[call.pk]))
    assert page.status_code == 200


def test_letters_in_the_admin_show_no_personal_data(client, tasks, smtp_server, write):
    action = LetterActionFactory()
    write(action, body="Private words of mine.")
    admin = User.objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    letter = action.letters.get()
    page = client.get(reverse("admin:actions_letter_change", args=[letter.pk])).content.decode()
    assert "Private words of mine." not in page
    assert letter.personal_data not in page
    listing = client.get(reverse("admin:actions_letter_changelist")).content.decode()
    assert "Ada" not in listing
