"""Offices, their holders over time, and how a letter addresses them."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import IntegrityError
from django.urls import reverse

from outcry.targets.models import Office, Tenure
from outcry.targets.selectors import addressee, office_holder
from outcry.targets.services import office_mark_email_bounced, tenure_begin
from tests import actors
from tests.factories import OfficeFactory, TargetFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def prosecutor():
    office = OfficeFactory(
        title="Prosecutor General of the Russian Federation",
        title_fr="Procureur général de la Fédération de Russie",
        organisation="Prosecutor General's Office",
        organisation_fr="Parquet général",
        address="ul. Bolshaya Dmitrovka, 15a\n125993 Moscow GSP-3",
        office_hours="Mon–Fri 09:00–18:00",
        office_hours_fr="lun.–ven. 9 h–18 h",
        email="",
    )
    chaika = TargetFactory(
        name="Yury Chaika",
        honorific="Prosecutor General",
        honorific_fr="Procureur général",
        salutation="Dear Prosecutor General",
        salutation_fr="Monsieur le Procureur général",
    )
    tenure_begin(office=office, target=chaika, started_on=date(2006, 6, 23))
    return office


def test_letters_go_to_whoever_holds_the_office_on_the_day(prosecutor):
    """When Krasnov takes office on 22 January 2020, Chaika's tenure ends that day: a letter
    dated the day before goes to Chaika, one dated that day to Krasnov; history is kept."""
    krasnov = TargetFactory(name="Igor Krasnov", honorific="Prosecutor General")
    tenure_begin(office=prosecutor, target=krasnov, started_on=date(2020, 1, 22))

    assert office_holder(office=prosecutor, on=date(2020, 1, 21)).name == "Yury Chaika"
    assert office_holder(office=prosecutor, on=date(2020, 1, 22)).name == "Igor Krasnov"
    assert office_holder(office=prosecutor).name == "Igor Krasnov"
    assert office_holder(office=prosecutor, on=date(2000, 1, 1)) is None
    assert [t.target.name for t in prosecutor.tenures.order_by("started_on")] == [
        "Yury Chaika",
        "Igor Krasnov",
    ]
    before = addressee(office=prosecutor, language="en", on=date(2019, 5, 1))
    assert before.address_lines[0] == "Prosecutor General Yury Chaika"


def test_addressee_in_french_falls_back_to_english_where_untranslated(prosecutor):
    to = addressee(office=prosecutor, language="fr")
    assert to.salutation == "Monsieur le Procureur général"
    assert to.address_lines == [
        "Procureur général Yury Chaika",
        "Procureur général de la Fédération de Russie",
        "Parquet général",
        "ul. Bolshaya Dmitrovka, 15a",
        "125993 Moscow GSP-3",
        "Fédération de Russie",
    ]
    assert to.office_hours == "lun.–ven. 9 h–18 h"
    assert to.timezone == "Europe/Moscow" and to.country == "RU"
    prosecutor.title_fr = ""
    prosecutor.save()
    assert addressee(office=prosecutor, language="fr").office_title == (
        "Prosecutor General of the Russian Federation"
    )
    # A language the site does not have reads English.
    assert addressee(office=prosecutor, language="de").salutation == "Dear Prosecutor General"


def test_a_vacant_office_is_addressed_neutrally():
    office = OfficeFactory()
    to = addressee(office=office, language="fr")
    assert to.target_id is None and to.name == ""
    assert to.salutation == "Madame, Monsieur"
    assert to.address_lines[0] == office.title


def test_two_holders_at_once_are_refused(prosecutor):
    other = TargetFactory()
    overlapping = Tenure(office=prosecutor, target=other, started_on=date(2010, 1, 1))
    with pytest.raises(ValidationError, match="overlaps"):
        overlapping.full_clean()
    with pytest.raises(IntegrityError):
        Tenure.objects.create(office=prosecutor, target=other, started_on=date(2010, 1, 1))


def test_a_bounced_address_is_not_used_until_corrected(prosecutor):
    prosecutor.email = "pg@gov.example"
    prosecutor.save()
    assert office_mark_email_bounced(
        office_id=prosecutor.pk, email="pg@gov.example", reason="550 No such user"
    )
    prosecutor.refresh_from_db()
    to = addressee(office=prosecutor, language="en")
    assert to.email == "pg@gov.example" and not to.email_usable
    # Marking an address the office no longer has does nothing.
    assert not office_mark_email_bounced(office_id=prosecutor.pk, email="old@x.example", reason="")


def test_campaigner_edits_an_office_with_its_tenures_and_searches_by_holder(client, prosecutor):
    actors.logged_in(client, actors.campaigner())
    found = client.get(reverse("admin:targets_office_changelist"), {"q": "Chaika"})
    assert found.status_code == 200
    assert "Prosecutor General of the Russian Federation" in found.content.decode()
    page = client.get(reverse("admin:targets_office_change", args=[prosecutor.pk]))
    assert page.status_code == 200
    assert "Yury Chaika" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_migration_splits_old_targets_into_people_offices_and_tenures():
    """A target from before offices becomes a person (same id), an office (same id) with
    its address and contacts, and an open tenure."""
    executor = MigrationExecutor(connection)
    executor.migrate([("targets", "0001_initial"), ("actions", "0001_initial")])
    old_apps = executor.loader.project_state(
        [("targets", "0001_initial"), ("actions", "0001_initial")]
    ).apps
    OldTarget = old_apps.get_model("targets", "Target")
    old = OldTarget.objects.create(
        name="Sergei Lavrov",
        honorific="Minister",
        salutation="Your Excellency",
        salutation_fr="Monsieur le Ministre",
        office="Minister of Foreign Affairs",
        office_en="Minister of Foreign Affairs",
        office_fr="Ministre des Affaires étrangères",
        postal_address="Smolenskaya-Sennaia pl. 32/34\n119200 Moscow",
        country="RU",
        phone="+7 495 644 2203",
        email="mid@gov.example",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    office = Office.objects.get(pk=old.pk)
    assert office.title_fr == "Ministre des Affaires étrangères"
    assert office.address_lines == ["Smolenskaya-Sennaia pl. 32/34", "119200 Moscow"]
    assert (office.phone, office.email, office.country.code) == (
        "+7 495 644 2203",
        "mid@gov.example",
        "RU",
    )
    holder = office_holder(office=office)
    assert holder.pk == old.pk and holder.key == "sergei-lavrov"
    assert addressee(office=office, language="fr").salutation == "Monsieur le Ministre"
    # New offices get fresh ids after the copied ones (PostgreSQL's sequence was moved).
    assert OfficeFactory().pk > office.pk
