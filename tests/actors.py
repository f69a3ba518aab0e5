"""The people in the tests, named for what they do.

Staff, one per role in ``outcry.core.roles``: Carla campaigns, Mo moderates, Dana is the
data protection officer, Ada administers; Nora is staff with no role, who must reach
nothing. Each is made once per test database and found again by username, in the role's
group exactly as the project keeps it (``roles_sync``), never with hand-picked permissions.

Supporters are written the way the app writes them: email and names sealed together, found
by the email's blind index (``SupporterFactory``).
"""

from datetime import timedelta

import factory
from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.contrib.auth.models import Group, User
from django.utils import timezone

from outcry.core import roles
from outcry.core.crypto import email_hash, seal
from outcry.core.stepup import second_factor_record
from outcry.supporters.models import Supporter

# Every test login has this password, for the few tests that log in through a form.
PASSWORD = "test-only-Xk3!pass"

CAMPAIGNER = "carla-campaigner"
MODERATOR = "mo-moderator"
DATA_PROTECTION_OFFICER = "dana-dpo"
ADMINISTRATOR = "ada-admin"
NO_ROLE = "nora-no-role"


def role_group(role: str) -> Group:
    """The role's group. Migrating makes the groups; a transactional test's flush may have
    removed them, so they are made again by the same function."""
    group = Group.objects.filter(name=role).first()
    if group is None:
        roles.roles_sync()
        group = Group.objects.get(name=role)
    return group


def staff(*, username: str, role: str | None, superuser: bool = False) -> User:
    """A staff login in one role (or none), made on first use and found again after."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, is_staff=True, is_superuser=superuser)
        user.set_password(PASSWORD)
        user.save()
    user.groups.set([role_group(role)] if role is not None else [])
    return user


def campaigner() -> User:
    """Carla writes content and delivers actions; she never sees supporters' data."""
    return staff(username=CAMPAIGNER, role=roles.CAMPAIGNER)


def moderator() -> User:
    """Mo moderates signatures, letters and comments."""
    return staff(username=MODERATOR, role=roles.MODERATOR)


def data_protection_officer() -> User:
    """Dana opens, exports and erases supporters' personal data (each read audited)."""
    return staff(username=DATA_PROTECTION_OFFICER, role=roles.DATA_PROTECTION)


def administrator() -> User:
    """Ada is a superuser in the Administrator group, as the demo's administrator is."""
    return staff(username=ADMINISTRATOR, role=roles.ADMINISTRATOR, superuser=True)


def no_role() -> User:
    """Nora is staff (she may open the admin) in no group: every page refuses her."""
    return staff(username=NO_ROLE, role=None)


def totp_enrolled(user: User) -> Authenticator:
    """The user's TOTP authenticator, enrolled (with a fresh secret) on first use."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, generate_totp_secret()).instance


def totp_code(user: User) -> str:
    """The code the user's authenticator app shows now (enrolling it if need be), computed
    from the stored secret by allauth's own TOTP functions."""
    secret = mfa_adapter().decrypt(totp_enrolled(user).data["secret"])
    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))


def logged_in(
    client,
    user: User,
    *,
    second_factor: bool = True,
    second_factor_age: timedelta = timedelta(0),
) -> User:
    """Log the test client in as ``user`` (no form, no rate limit) and return the user.

    By default the session has just passed its second factor, as after a real login: the
    user has a TOTP authenticator and the session records the proof, as the login's
    receiver (core.staffauth) writes it. ``second_factor=False``: a session logged in with
    the password alone. ``second_factor_age``: a proof that long ago (a stale step-up past
    STEP_UP_MAX_AGE).
    """
    client.force_login(user)
    if second_factor:
        totp_enrolled(user)
        session = client.session
        second_factor_record(session=session, user=user, at=timezone.now() - second_factor_age)
        session.save()
    return user


class SupporterFactory(factory.django.DjangoModelFactory):
    """A supporter sealed as ``supporters.services.supporter_get_or_create`` seals one: the
    address and names in one sealed box, the address's blind index beside it.

    ``SupporterFactory(email="ivan@example.org", first_name="Ivan", confirmed=True)``.
    """

    class Meta:
        model = Supporter

    class Params:
        email = factory.Sequence(lambda n: f"supporter{n}@example.org")
        first_name = factory.Sequence(lambda n: f"First{n}")
        last_name = factory.Sequence(lambda n: f"Last{n}")
        # The address's owner followed an emailed link once.
        confirmed = factory.Trait(email_confirmed_at=factory.LazyFunction(timezone.now))

    email_hash = factory.LazyAttribute(lambda o: email_hash(o.email))
    personal_data = factory.LazyAttribute(
        lambda o: seal(
            {"email": o.email.strip(), "first_name": o.first_name, "last_name": o.last_name}
        )
    )
    country = "RU"
    language = "en"
