"""Factories for letter, email and call actions."""

import factory

from outcry.actions.models import ActionStatus, CallAction, LetterAction
from tests.factories import CaseFactory, OfficeFactory, TargetFactory

DEMANDS = """I am concerned by the judicial harassment of Elena Milashina.

I urge the authorities in Russia to:

1. Drop the initiation of legal action against Elena Milashina;

2. Guarantee her physical and psychological integrity and security;

3. Ensure that officials refrain from stigmatising human rights defenders;

4. Guarantee that all human rights defenders can work without fear of reprisals."""


def office_with_email(*, email: str = "minister@mfa.example", **kwargs):
    """An office held by a minister ("Your Excellency") with an email address."""
    return OfficeFactory(holder=TargetFactory(), email=email, **kwargs)


class LetterActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LetterAction

    slug = factory.Sequence(lambda n: f"letter-{n}")
    title = factory.Sequence(lambda n: f"Write for person {n}")
    subject = "Stop the harassment"
    body = DEMANDS
    case = factory.SubFactory(CaseFactory)
    office = factory.LazyFunction(office_with_email)
    status = ActionStatus.OPEN
    route_email = True
    route_print = True
    route_mailto = True


class CallActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallAction

    slug = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"Call for person {n}")
    script = "Hello, I am calling about **Elena Milashina**."
    case = factory.SubFactory(CaseFactory)
    office = factory.LazyFunction(office_with_email)
    status = ActionStatus.OPEN


# The registered action kinds this module makes (see tests/test_action_registry.py).
ACTION_KIND_FACTORIES = {
    "letter": (LetterActionFactory, {}),
    "call": (CallActionFactory, {"outcome": "answered"}),
}
