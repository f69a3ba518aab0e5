"""Petitions with counted signatures, written straight to the database (fast, exact)."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from outcry.actions.models import Petition, Signature
from outcry.core.crypto import seal
from outcry.targets.services import tenure_begin
from tests.actors import SupporterFactory
from tests.factories import CaseFactory, OfficeFactory, PetitionFactory, TargetFactory


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Each test's packages in its own folder, removed with it."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": settings.STORAGES["private"]["BACKEND"],
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


def add_signatures(petition: Petition, people: list[dict]) -> None:
    """Counted signatures; each person: first/last name, country, city, named (bool)."""
    for person in people:
        supporter = SupporterFactory(
            first_name=person["first"], last_name=person["last"], country=person["country"]
        )
        Signature.objects.create(
            petition=petition,
            supporter=supporter,
            email_hash=supporter.email_hash,
            country=person["country"],
            language="en",
            state=Signature.State.VALIDATED,
            counted=True,
            named_to_target=person.get("named", False),
            personal_data=seal({"city": person.get("city", "")}),
        )
    Petition.objects.filter(pk=petition.pk).update(
        count=Signature.objects.filter(petition=petition, counted=True).count()
    )


@pytest.fixture
def prosecutor_office(transactional_db):
    chaika = TargetFactory(
        name="Yury Chaika",
        key="yury-chaika",
        honorific="Prosecutor General",
        honorific_fr="Procureur général",
        salutation="Dear Prosecutor General",
        salutation_fr="Monsieur le Procureur général",
    )
    office = OfficeFactory(
        key="prosecutor-general",
        title="Prosecutor General of the Russian Federation",
        title_fr="Procureur général de la Fédération de Russie",
        organisation="Prosecutor General's Office",
        address="ul. Bolshaya Dmitrovka, 15a\n125993 Moscow GSP-3",
        country="RU",
    )
    tenure_begin(office=office, target=chaika, started_on=date(2006, 6, 23))
    return office


@pytest.fixture
def chechnya_petition(prosecutor_office):
    petition = PetitionFactory(
        slug="investigate-chechnya-purge",
        reference="UA 80/17",
        case=CaseFactory(name="Elena Milashina", slug="elena-milashina"),
        office=prosecutor_office,
        title="Investigate the abduction and torture of gay men in Chechnya",
        ask="Open an effective, impartial investigation into the abductions.",
    )
    add_signatures(
        petition,
        [
            {"first": "Anne", "last": "Martin", "country": "FR", "city": "Lyon", "named": True},
            {"first": "Иван", "last": "Петров", "country": "RU", "city": "Казань", "named": True},
            {"first": "=cmd", "last": "Evil", "country": "CA", "city": "Ottawa", "named": True},
            {"first": "Secret", "last": "Person", "country": "RU", "city": "Grozny"},
            {"first": "Hidden", "last": "Name", "country": "FR", "city": "Paris"},
            {"first": "Quiet", "last": "One", "country": "FR", "city": "Nice"},
        ],
    )
    return petition


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
