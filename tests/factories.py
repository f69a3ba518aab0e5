"""Factories for the tests: build what a test needs, nothing hard-coded in fixtures."""

from datetime import date

import factory
from django.utils import timezone

from outcry.actions.models import Petition
from outcry.cases.models import Case, CaseStatus
from outcry.targets.models import Office, Target, Tenure


class TargetFactory(factory.django.DjangoModelFactory):
    """A person who may hold an office."""

    class Meta:
        model = Target

    honorific = "Minister"
    salutation = "Your Excellency"
    name = factory.Sequence(lambda n: f"Official {n}")
    key = factory.Sequence(lambda n: f"official-{n}")


class OfficeFactory(factory.django.DjangoModelFactory):
    """An office; ``OfficeFactory(holder=target)`` also gives it a holder since 2020."""

    class Meta:
        model = Office
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"office-{n}")
    title = factory.Sequence(lambda n: f"Minister of Office {n}")
    organisation = "Ministry"
    address = "Smolenskaya-Sennaia pl. 32/34\n119200 Moscow"
    country = "RU"
    phone = "+7 495 644 2203"
    timezone = "Europe/Moscow"

    @factory.post_generation
    def holder(office, create, extracted, **kwargs):
        if create and extracted is not None:
            Tenure.objects.create(office=office, target=extracted, started_on=date(2020, 1, 1))


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
    office = factory.LazyFunction(lambda: OfficeFactory(holder=TargetFactory()))
    goal = 1000
    status = Petition.Status.OPEN

    class Params:
        closed = factory.Trait(status=Petition.Status.CLOSED)
        expired = factory.Trait(
            closes_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
        )
