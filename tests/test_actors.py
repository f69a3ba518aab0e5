"""The tests' named people are what they claim to be: each staff member holds exactly the
role the project defines, and supporters are sealed as the app seals them."""

import pytest
from django.contrib.auth.models import Group
from django.http import HttpRequest

from outcry.core import roles
from outcry.core.crypto import email_hash, unseal
from outcry.news.models import Post
from outcry.supporters.services import supporter_get_or_create
from tests import actors
from tests.actors import SupporterFactory
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "username", "role"),
    [
        (actors.campaigner, "carla-campaigner", roles.CAMPAIGNER),
        (actors.moderator, "mo-moderator", roles.MODERATOR),
        (actors.data_protection_officer, "dana-dpo", roles.DATA_PROTECTION),
        (actors.administrator, "ada-admin", roles.ADMINISTRATOR),
    ],
)
def test_each_named_staff_member_holds_their_role_and_only_it(make, username, role):
    """The user is staff, in the role's group alone, with exactly the permissions the role
    is given by core.roles; asking again gives the same person."""
    user = make()
    assert (user.username, user.is_staff) == (username, True)
    assert list(user.groups.values_list("name", flat=True)) == [role]
    group = Group.objects.get(name=role)
    assert user.get_group_permissions() == {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()
    }
    assert make() == user


def test_only_the_administrator_is_a_superuser():
    """Ada is a superuser, as the demo's administrator is; nobody else is."""
    assert actors.administrator().is_superuser
    for make in (actors.campaigner, actors.moderator, actors.data_protection_officer):
        assert not make().is_superuser


def test_staff_with_no_role_holds_no_permission(client):
    """Nora may sign in to the admin but holds nothing, so she can open nothing in it."""
    nora = actors.no_role()
    assert (nora.username, nora.is_staff, nora.is_superuser) == ("nora-no-role", True, False)
    assert not nora.groups.exists() and not nora.get_all_permissions()
    actors.logged_in(client, nora)
    assert client.get("/admin/supporters/supporter/").status_code == 403


def test_named_staff_sign_in_with_the_test_password(client):
    """The password constant is each login's real password."""
    mo = actors.moderator()
    # The login throttle counts per client, so a login is always made with a request.
    assert client.login(request=HttpRequest(), username=mo.username, password=actors.PASSWORD)
    assert not client.login(request=HttpRequest(), username=mo.username, password="wrong")


def test_role_groups_removed_by_a_flush_are_made_again_by_the_project():
    """A database emptied between tests has no groups: the role's group is made again by
    core.roles, with its permissions, not by hand."""
    Group.objects.all().delete()
    carla = actors.campaigner()
    assert carla.has_perm("news.add_post") and not carla.has_perm("supporters.view_supporter")
    assert set(Group.objects.values_list("name", flat=True)) == set(roles.ROLE_PERMISSIONS)


def test_supporter_factory_seals_as_the_signing_service_does():
    """A factory supporter holds what supporter_get_or_create would write for the same
    person (address and names sealed together, found by the address's blind index), so the
    service finds it rather than making another."""
    made, _ = supporter_get_or_create(
        email="ivan@example.org", first_name="Ivan", last_name="P", country="RU", language="en"
    )
    built = SupporterFactory(email="Nadia@Example.org", first_name="Nadia", last_name="K")
    assert unseal(made.personal_data).keys() == unseal(built.personal_data).keys()
    assert unseal(built.personal_data) == {
        "email": "Nadia@Example.org",
        "first_name": "Nadia",
        "last_name": "K",
    }
    assert built.email_hash == email_hash("nadia@example.org")
    found, created = supporter_get_or_create(
        email="nadia@example.org", first_name="X", last_name="Y", country="FR", language="fr"
    )
    assert (found, created) == (built, False)
    assert SupporterFactory(confirmed=True).email_confirmed_at is not None
    assert SupporterFactory().email_confirmed_at is None


def test_one_post_factory_makes_news_posts_closed_to_comments_unless_asked():
    """News tests get a published post with comments closed, as a new post has them;
    comments tests ask for post- or pre-moderated comments."""
    post = PostFactory()
    assert post.is_published and post.comment_mode == Post.CommentMode.CLOSED
    assert Post.objects.published().filter(pk=post.pk).exists()
    assert PostFactory(commentable=True).comment_mode == Post.CommentMode.POST_MODERATED
    assert PostFactory(pre=True).comment_mode == Post.CommentMode.PRE_MODERATED
