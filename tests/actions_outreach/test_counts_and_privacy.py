"""Counts beside each other, paper signatures in the total, what goes to the target
(names only with consent), and erasure that keeps the counts."""

from django.urls import reverse

from outcry.actions.models import Letter, OfflineSignatures, Petition, Signature
from outcry.actions.selectors import action_total, delivery_rows, offline_counts
from outcry.supporters import personal_data
from outcry.supporters.models import Supporter
from tests import actors
from tests.actions_outreach.conftest import page_text
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory
from tests.conftest import sign_data
from tests.factories import PetitionFactory


def confirm_signatures(tasks, petition):
    Signature.objects.filter(petition=petition).update(state=Signature.State.VALIDATED)
    from outcry.actions.services import petition_count_signatures

    petition_count_signatures(petition_id=petition.pk)


def test_offline_signatures_added_in_the_admin_count_in_the_total(client, tasks, administrator):
    petition = PetitionFactory(goal=1000)
    client.post(petition.get_absolute_url(), sign_data())
    confirm_signatures(tasks, petition)
    actors.logged_in(client, administrator)
    url = reverse("admin:actions_petition_change", args=[petition.pk])
    form = {
        "title_en": petition.title,
        "title_fr": petition.title_fr,
        "slug": petition.slug,
        "case": str(petition.case_id),
        "office": str(petition.office_id),
        "ask_en": petition.ask,
        "status": petition.status,
        "goal": "1000",
        "offline_signatures-TOTAL_FORMS": "1",
        "offline_signatures-INITIAL_FORMS": "0",
        "offline_signatures-MIN_NUM_FORMS": "0",
        "offline_signatures-MAX_NUM_FORMS": "1000",
        "offline_signatures-0-count": "250",
        "offline_signatures-0-country": "FR",
        "offline_signatures-0-source": "Paris stall, 8 March",
        "_save": "Save",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    petition.refresh_from_db()
    assert petition.offline_count == 250
    assert action_total(action=petition) == 251
    assert offline_counts(action=petition) == [("FR", 250, "Paris stall, 8 March")]
    assert OfflineSignatures.objects.get().added_by == "ada-admin"
    client.logout()
    assert "251" in client.get(petition.get_absolute_url()).content.decode()
    assert client.get(f"/petitions/{petition.slug}/count.json").json()["count"] == 251


def test_each_action_shows_its_own_count_beside_the_others(client, tasks, smtp_server, write):
    letter_action = LetterActionFactory()
    petition = PetitionFactory(case=letter_action.case)
    call_action = CallActionFactory(case=letter_action.case)
    write(letter_action)
    tasks.run(include_deferred=True)
    petition_page = page_text(client.get(petition.get_absolute_url()))
    assert "1 letter sent" in petition_page
    assert "0 calls made" in petition_page
    case_page = page_text(client.get(f"/en/cases/{letter_action.case.slug}/"))
    assert "1 letter sent" in case_page
    assert call_action.title in case_page


def test_delivery_rows_name_only_those_who_agreed(client, tasks, smtp_server, write):
    action = LetterActionFactory()
    write(action, email="named@example.org", first_name="Nadia", named_to_target="on")
    write(action, email="quiet@example.org", first_name="Quentin", country="DE", city="Bonn")
    tasks.run(include_deferred=True)
    rows = sorted(delivery_rows(action=action), key=lambda r: r.country)
    assert [(r.country, r.name, r.city) for r in rows] == [
        ("DE", None, ""),
        ("FR", "Nadia Writer", "Lyon"),
    ]
    assert action_total(action=action) == 2

    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(named_to_target="on", city="Québec"))
    client.post(petition.get_absolute_url(), sign_data(email="anon@example.org", country="BE"))
    confirm_signatures(tasks, petition)
    rows = sorted(delivery_rows(action=petition), key=lambda r: r.country)
    assert [(r.country, r.name, r.city) for r in rows] == [
        ("BE", None, ""),
        ("CA", "John Doe", "Québec"),
    ]
    assert "Québec" not in Signature.objects.get(country="CA").personal_data  # sealed


def test_erasure_keeps_the_counts_and_removes_what_leads_back(client, tasks, smtp_server, write):
    action = LetterActionFactory()
    write(action, named_to_target="on", body="My own letter, in my own words.")
    petition = PetitionFactory()
    client.post(petition.get_absolute_url(), sign_data(email="ada@example.org", city="Lyon"))
    confirm_signatures(tasks, petition)
    tasks.run(include_deferred=True)
    supporter = Supporter.objects.get()
    [holder] = [h for h in personal_data.holders() if h.label == "actions"]
    exported = holder.export(supporter)
    assert {e["type"] for e in exported} == {"signature", "letter"}
    letter_export = next(e for e in exported if e["type"] == "letter")
    assert letter_export["body"] == "My own letter, in my own words."
    assert letter_export["city"] == "Lyon"

    holder.erase(supporter)
    letter = Letter.objects.get()
    signature = Signature.objects.get()
    for row in (letter, signature):
        assert row.personal_data == ""
        assert row.email_hash.startswith("erased:")
        assert row.ip_hash == ""
        assert row.counted is True
        assert row.country.code in ("FR", "CA")
    assert action_total(action=action) == 1
    assert Petition.objects.get(pk=petition.pk).count == 1
    assert [r.name for r in delivery_rows(action=action)] == [None]
