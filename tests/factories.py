"""Factories for the tests: build what a test needs, nothing hard-coded in fixtures."""

import factory
from django.utils import timezone

from outcry.actions.models import Petition
from outcry.cases.models import Case, CaseStatus
from outcry.targets.models import Target


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    honorific = "Minister"
    salutation = "Your Excellency"
    name = factory.Sequence(lambda n: f"Official {n}")
    office = factory.Sequence(lambda n: f"Minister of Office {n}")
    organisation = "Ministry"
    postal_address = "Smolenskaya-Sennaia pl, 32/34\n119200 Moscow"
    country = "RU"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    slug = factory.Sequence(lambda n: f"case-{n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    country = "RU"
    status = CaseStatus.AT_RISK
    is_published = True


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    slug = factory.Sequence(lambda n: f"petition-{n}")
    title = factory.Sequence(lambda n: f"Free person {n}")
    title_fr = factory.LazyAttribute(lambda o: f"Libérez {o.title}")
    ask = "Release them now."
    case = factory.SubFactory(CaseFactory)
    target = factory.SubFactory(TargetFactory)
    goal = 1000
    status = Petition.Status.OPEN

    class Params:
        closed = factory.Trait(status=Petition.Status.CLOSED)
        expired = factory.Trait(
            closes_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
        )
