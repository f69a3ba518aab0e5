"""Cases, actions and posts are written through audited services, whichever door (the admin
or a direct call) the change comes through, and the content hook keeps search in step."""

from datetime import date

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outcry.actions import content
from outcry.actions.admin import CallActionAdmin, LetterActionAdmin, PetitionAdmin
from outcry.actions.models import ActionStatus, CallAction, LetterAction, Petition
from outcry.cases import services as cases
from outcry.cases.admin import CaseAdmin
from outcry.cases.models import Case, CaseStatus
from outcry.core import content as hooks
from outcry.core.models import AuditEvent
from outcry.news import search
from outcry.news import services as news
from outcry.news.admin import PostAdmin
from outcry.news.models import Post
from tests import actors
from tests.actions_outreach.factories import office_with_email
from tests.factories import CaseFactory, OfficeFactory, PetitionFactory
from tests.test_staff import admin_post, case_form, inline_management, petition_form

pytestmark = pytest.mark.django_db


def audit_of(obj, event: str) -> list[tuple[AuditEvent, dict]]:
    """The audit rows of ``obj`` for one event, each with its recorded changes."""
    rows = AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk), event=event
    ).order_by("pk")
    return [(row, row.extra.get("changes", {})) for row in rows]


def only_audit(obj, event: str) -> tuple[AuditEvent, dict]:
    rows = audit_of(obj, event)
    assert len(rows) == 1, [(row.event, changes) for row, changes in rows]
    return rows[0]


def found(q: str) -> list:
    return [hit.obj for hit in search.search(q=q, language="en")]


@pytest.fixture
def alice():
    """Carla, a campaigner (the fixture keeps the tests' short name)."""
    return actors.campaigner()


@pytest.fixture
def root(client):
    return actors.logged_in(client, actors.administrator())


# Cases


def test_case_create_is_audited_with_the_actor_and_the_new_values(alice):
    """Creating a case records who did it and every value set; publishing it at creation
    is its own event."""
    case = cases.case_create(
        fields={
            "slug": "lena",
            "name": "Lena",
            "country": "BY",
            "summary_en": "A lawyer.",
            "is_published": True,
        },
        actor=alice,
    )
    row, changes = only_audit(case, "cases.case.created")
    assert (row.actor, row.actor_username, row.actor_kind) == (alice, actors.CAMPAIGNER, "staff")
    assert changes["name"] == {"old": None, "new": "Lena"}
    assert changes["country"] == {"old": None, "new": "BY"}
    assert changes["summary_en"] == {"old": None, "new": "A lawyer."}
    row, changes = only_audit(case, "cases.case.published")
    assert row.actor == alice
    assert changes == {"is_published": {"old": False, "new": True}}


def test_case_update_records_old_and_new_values_of_changed_fields_only(alice):
    case = CaseFactory(name="Lena", occupation="Lawyer", is_published=False)
    cases.case_update(case=case, fields={"occupation": "Judge", "name": "Lena"}, actor=alice)
    case.refresh_from_db()
    assert case.occupation == "Judge"
    row, changes = only_audit(case, "cases.case.updated")
    assert row.actor == alice
    # A translated field is recorded by the column of the language it was written in.
    assert changes == {"occupation_en": {"old": "Lawyer", "new": "Judge"}}


def test_case_update_says_sensitive_notes_changed_without_copying_them(alice):
    """The audit log must not become a second copy of a person's real identity."""
    case = CaseFactory(sensitive_notes="Real name: Olga")
    cases.case_update(case=case, fields={"sensitive_notes": "Real name: Irina"}, actor=alice)
    row, changes = only_audit(case, "cases.case.updated")
    assert changes == {"sensitive_notes": {"withheld": True}}
    assert "Olga" not in str(row.extra)
    assert "Irina" not in str(row.extra)


def test_case_update_without_a_change_writes_no_audit_row(alice):
    case = CaseFactory(name="Lena")
    cases.case_update(case=case, fields={"name": "Lena"}, actor=alice)
    assert audit_of(case, "cases.case.updated") == []


def test_case_update_refuses_a_status_its_timeline_sets(alice):
    case = CaseFactory()
    cases.case_update_add(
        case=case, date=date(2026, 3, 1), title="Detained", new_status=CaseStatus.DETAINED
    )
    with pytest.raises(ValidationError):
        cases.case_update(case=case, fields={"status": CaseStatus.RELEASED}, actor=alice)
    case.refresh_from_db()
    assert case.status == CaseStatus.DETAINED


def test_case_update_add_is_audited_and_the_status_change_too(alice):
    case = CaseFactory(status=CaseStatus.AT_RISK)
    update = cases.case_update_add(
        case=case,
        date=date(2026, 3, 1),
        title="Detained",
        new_status=CaseStatus.DETAINED,
        actor=alice,
    )
    row, changes = only_audit(update, "cases.caseupdate.added")
    assert row.actor == alice
    assert changes["title_en"] == {"old": None, "new": "Detained"}
    row, changes = only_audit(case, "cases.case.status_changed")
    assert changes == {"status": {"old": "at_risk", "new": "detained"}}


def test_case_publish_and_unpublish_are_audited_and_searched_accordingly(alice):
    case = CaseFactory(name="Lena", summary="Ombudswoman of the valley", is_published=False)
    cases.case_publish(case=case, actor=alice)
    assert found("ombudswoman") == [case]
    row, changes = only_audit(case, "cases.case.published")
    assert row.actor == alice
    assert changes == {"is_published": {"old": False, "new": True}}

    cases.case_publish(case=case, actor=alice)  # already published: nothing more
    assert len(audit_of(case, "cases.case.published")) == 1

    cases.case_unpublish(case=case, actor=alice)
    assert found("ombudswoman") == []
    _row, changes = only_audit(case, "cases.case.unpublished")
    assert changes == {"is_published": {"old": True, "new": False}}


def test_publishing_a_case_in_the_admin_writes_the_same_audit_row_as_the_service(client, alice):
    by_service = CaseFactory(is_published=False)
    cases.case_publish(case=by_service, actor=alice)
    in_admin = CaseFactory(slug="natalia-pavlova", is_published=False)
    actors.logged_in(client, alice)

    admin_post(client, reverse("admin:cases_case_change", args=[in_admin.pk]), case_form())

    in_admin.refresh_from_db()
    assert in_admin.is_published
    service_row, _ = only_audit(by_service, "cases.case.published")
    admin_row, _ = only_audit(in_admin, "cases.case.published")
    assert (admin_row.actor, admin_row.event, admin_row.extra) == (
        service_row.actor,
        service_row.event,
        service_row.extra,
    )


def test_case_created_in_the_admin_is_audited_with_its_timeline(client, alice):
    actors.logged_in(client, alice)
    admin_post(client, reverse("admin:cases_case_add"), case_form())
    case = Case.objects.get(slug="natalia-pavlova")
    row, changes = only_audit(case, "cases.case.created")
    assert row.actor == alice
    assert changes["occupation_fr"] == {"old": None, "new": "Journaliste"}
    only_audit(case, "cases.case.published")


# Actions: one generic set for every kind


def office_for(model):
    return OfficeFactory() if model is Petition else office_with_email()


def action_fields(model, **extra) -> dict:
    fields = {
        "slug": f"act-{model.__name__.lower()}",
        "title": "Free Lena",
        "case": CaseFactory(),
        "office": office_for(model),
        **extra,
    }
    if model is Petition:
        fields["ask"] = "Release Lena."
    if model is LetterAction:
        fields.update(subject="Release Lena", body="Please release Lena.")
    if model is CallAction:
        fields["script"] = "Please release Lena."
    return fields


KINDS = [Petition, LetterAction, CallAction]


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.__name__)
def test_action_create_is_audited_for_every_kind(model, alice):
    action = content.action_create(model=model, fields=action_fields(model), actor=alice)
    assert action.status == ActionStatus.DRAFT
    row, changes = only_audit(action, f"actions.{model._meta.model_name}.created")
    assert row.actor == alice
    assert changes["title_en"] == {"old": None, "new": "Free Lena"}
    assert changes["case_id"] == {"old": None, "new": action.case_id}


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.__name__)
def test_action_update_records_old_and_new_values_for_every_kind(model, alice):
    action = content.action_create(model=model, fields=action_fields(model), actor=alice)
    content.action_update(action=action, fields={"reference": "UA 7/26"}, actor=alice)
    action.refresh_from_db()
    assert action.reference == "UA 7/26"
    row, changes = only_audit(action, f"actions.{model._meta.model_name}.updated")
    assert row.actor == alice
    assert changes == {"reference": {"old": "", "new": "UA 7/26"}}


@pytest.mark.parametrize("model", KINDS, ids=lambda m: m.__name__)
def test_action_publish_and_close_are_their_own_events_for_every_kind(model, alice):
    action = content.action_create(model=model, fields=action_fields(model), actor=alice)
    content.action_publish(action=action, actor=alice)
    row, changes = only_audit(action, f"actions.{model._meta.model_name}.published")
    assert row.actor == alice
    assert changes == {"status": {"old": "draft", "new": "open"}}

    content.action_close(action=action, actor=alice)
    action.refresh_from_db()
    assert action.status == ActionStatus.CLOSED
    _row, changes = only_audit(action, f"actions.{model._meta.model_name}.closed")
    assert changes["status"] == {"old": "open", "new": "closed"}
    assert changes["closes_at"]["old"] is None


def test_closing_an_action_without_a_date_records_today_for_retention(alice):
    petition = PetitionFactory(closes_at=None)
    before = timezone.now()
    content.action_close(action=petition, actor=alice)
    petition.refresh_from_db()
    assert petition.closes_at is not None
    assert petition.closes_at >= before


def test_closing_an_action_keeps_a_closing_date_already_set(alice):
    when = timezone.now() + timezone.timedelta(days=3)
    petition = PetitionFactory(closes_at=when)
    content.action_close(action=petition, actor=alice)
    petition.refresh_from_db()
    assert petition.closes_at == when


def test_action_update_with_a_status_writes_the_same_row_as_action_publish(alice):
    one = content.action_create(model=Petition, fields=action_fields(Petition), actor=alice)
    other = content.action_create(
        model=Petition, fields=action_fields(Petition, slug="other"), actor=alice
    )
    content.action_publish(action=one, actor=alice)
    content.action_update(action=other, fields={"status": ActionStatus.OPEN}, actor=alice)
    assert only_audit(one, "actions.petition.published")[0].extra == (
        only_audit(other, "actions.petition.published")[0].extra
    )
    assert audit_of(other, "actions.petition.updated") == []


def test_pausing_and_resuming_a_petition_is_audited(alice):
    petition = PetitionFactory()
    content.action_pause(action=petition, actor=alice)
    petition.refresh_from_db()
    assert petition.signing_paused
    _row, changes = only_audit(petition, "actions.petition.paused")
    assert changes == {"signing_paused": {"old": False, "new": True}}
    content.action_resume(action=petition, actor=alice)
    petition.refresh_from_db()
    assert not petition.signing_paused
    only_audit(petition, "actions.petition.resumed")


def test_pausing_an_action_that_cannot_pause_is_refused(alice):
    action = content.action_create(
        model=LetterAction, fields=action_fields(LetterAction), actor=alice
    )
    with pytest.raises(ValueError):
        content.action_pause(action=action, actor=alice)


def test_action_update_refuses_fields_the_counting_task_keeps(alice):
    petition = PetitionFactory()
    with pytest.raises(ValueError):
        content.action_update(action=petition, fields={"count": 99}, actor=alice)


def test_an_update_does_not_put_back_a_count_made_meanwhile(alice):
    """A copy loaded before the counting task ran (the admin's form, an API request)
    writes the staff's fields, never its old count."""
    petition = PetitionFactory(goal=5000)
    Petition.objects.filter(pk=petition.pk).update(count=42)
    content.action_update(action=petition, fields={"goal": 7000}, actor=alice)
    petition.refresh_from_db()
    assert (petition.goal, petition.count) == (7000, 42)


def test_petition_admin_keeps_no_save_rule_of_its_own():
    """The admins build forms; the rules live in the services."""
    for model_admin in (PetitionAdmin, LetterActionAdmin, CallActionAdmin):
        assert "save_model" not in vars(model_admin)


def test_closing_a_petition_in_the_admin_records_the_date_through_the_service(client, alice):
    case, office = CaseFactory(), OfficeFactory()
    petition = PetitionFactory(slug="free-natalia-pavlova", case=case, office=office)
    actors.logged_in(client, alice)
    url = reverse("admin:actions_petition_change", args=[petition.pk])
    admin_post(client, url, petition_form(case=case, office=office, status="closed"))
    petition.refresh_from_db()
    assert petition.closes_at is not None
    row, changes = only_audit(petition, "actions.petition.closed")
    assert row.actor == alice
    assert changes["status"] == {"old": "open", "new": "closed"}


def test_publishing_a_petition_in_the_admin_writes_the_same_audit_row_as_the_service(client, alice):
    by_service = PetitionFactory(status=Petition.Status.DRAFT)
    content.action_publish(action=by_service, actor=alice)
    case, office = CaseFactory(), OfficeFactory()
    in_admin = PetitionFactory(
        slug="free-natalia-pavlova", case=case, office=office, status=Petition.Status.DRAFT
    )
    actors.logged_in(client, alice)
    url = reverse("admin:actions_petition_change", args=[in_admin.pk])

    admin_post(client, url, petition_form(case=case, office=office))

    service_row, _ = only_audit(by_service, "actions.petition.published")
    admin_row, _ = only_audit(in_admin, "actions.petition.published")
    assert (admin_row.actor, admin_row.extra) == (service_row.actor, service_row.extra)
    # The other fields the form changed are their own row, without the status.
    _row, changes = only_audit(in_admin, "actions.petition.updated")
    assert "status" not in changes
    assert changes["title_en"]["new"] == "Free Natalia Pavlova now"


def test_pausing_from_the_petitions_list_is_audited(client, alice):
    petition = PetitionFactory()
    actors.logged_in(client, alice)
    response = client.post(
        reverse("admin:actions_petition_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(petition.pk),
            "form-0-signing_paused": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.signing_paused
    assert only_audit(petition, "actions.petition.paused")[0].actor == alice


def test_letter_action_added_in_the_admin_is_created_and_published_by_the_service(client, root):
    case, office = CaseFactory(), office_with_email()
    admin_post(
        client,
        reverse("admin:actions_letteraction_add"),
        {
            "kind": "letter",
            "title_en": "Write to free Lena",
            "slug": "write-lena",
            "case": str(case.pk),
            "office": str(office.pk),
            "status": "open",
            "subject_en": "Release Lena",
            "body_en": "Please release Lena.",
            "max_length": "5000",
            "route_email": "on",
            "hourly_cap": "20",
            "daily_cap": "200",
            "_save": "Save",
        },
    )
    action = LetterAction.objects.get(slug="write-lena")
    assert action.status == ActionStatus.OPEN
    assert only_audit(action, "actions.letteraction.created")[0].actor == root
    assert only_audit(action, "actions.letteraction.published")[0].actor == root


# Posts


def test_post_create_update_publish_and_delete_are_audited(alice):
    post = news.post_create(slug="okapi", title="Okapi news", actor=alice)
    row, changes = only_audit(post, "news.post.created")
    assert row.actor == alice
    assert changes["title_en"] == {"old": None, "new": "Okapi news"}

    news.post_update(post=post, fields={"author": "Lena"}, actor=alice)
    _row, changes = only_audit(post, "news.post.updated")
    assert changes == {"author": {"old": "", "new": "Lena"}}

    news.post_publish(post=post, actor=alice)
    _row, changes = only_audit(post, "news.post.published")
    assert changes == {"is_published": {"old": False, "new": True}}

    post_id = post.pk
    news.post_delete(post=post, actor=alice)
    assert not Post.objects.filter(pk=post_id).exists()
    row = AuditEvent.objects.get(
        object_type="news.post", object_id=str(post_id), event="news.post.deleted"
    )
    assert row.actor == alice
    assert row.extra["changes"]["author"] == {"old": "Lena", "new": None}


def test_post_tags_changed_are_audited_with_old_and_new_ids(alice):
    case, other = CaseFactory(), CaseFactory()
    post = news.post_create(slug="okapi", title="Okapi news", cases=[case], actor=alice)
    news.post_update(post=post, fields={}, cases=[other], actor=alice)
    _row, changes = only_audit(post, "news.post.updated")
    assert changes == {"cases": {"old": [case.pk], "new": [other.pk]}}


def test_publishing_a_post_in_the_admin_writes_the_same_audit_row_as_the_service(client, root):
    by_service = news.post_create(slug="one", title="One", actor=root)
    news.post_publish(post=by_service, actor=root)
    in_admin = news.post_create(slug="two", title="Marmoset tidings", actor=root)
    admin_post(
        client,
        reverse("admin:news_post_change", args=[in_admin.pk]),
        {
            "kind": "news",
            "title_en": "Marmoset tidings",
            "slug": "two",
            "published_at_0": "2026-01-01",
            "published_at_1": "10:00:00",
            "is_published": "on",
            "comment_mode": "closed",
            "_save": "Save",
            **inline_management("action_links"),
        },
    )
    service_row, _ = only_audit(by_service, "news.post.published")
    admin_row, _ = only_audit(in_admin, "news.post.published")
    assert (admin_row.actor, admin_row.extra) == (service_row.actor, service_row.extra)
    assert found("marmoset") == [in_admin]


# The content hook and search


def test_admins_are_the_apps_own_with_no_indexing_subclass():
    """News follows saves through the content hook, not by re-registering others' admins."""
    assert type(admin.site.get_model_admin(Case)) is CaseAdmin
    assert type(admin.site.get_model_admin(Petition)) is PetitionAdmin
    assert type(admin.site.get_model_admin(Post)) is PostAdmin


def test_saved_content_is_found_by_search_and_deleted_content_is_gone(alice):
    case = cases.case_create(
        fields={"slug": "c", "name": "Lena", "country": "RU", "summary_en": "Capybara keeper"},
        actor=alice,
    )
    petition = content.action_create(
        model=Petition,
        fields={"slug": "p", "title": "Axolotl rights", "ask": "Protect axolotls.", "case": case},
        actor=alice,
    )
    post = news.post_create(slug="n", title="Pangolin report", actor=alice)
    assert (found("capybara"), found("axolotl"), found("pangolin")) == ([], [], [])

    cases.case_publish(case=case, actor=alice)
    content.action_publish(action=petition, actor=alice)
    news.post_publish(post=post, actor=alice)
    assert found("capybara") == [case]
    assert found("axolotl") == [petition]
    assert found("pangolin") == [post]

    news.post_update(post=post, fields={"title_en": "Quokka report"}, actor=alice)
    assert (found("pangolin"), found("quokka")) == ([], [post])

    news.post_delete(post=post, actor=alice)
    content.action_delete(action=petition, actor=alice)
    cases.case_delete(case=case, actor=alice)
    assert (found("capybara"), found("axolotl"), found("quokka")) == ([], [], [])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {search.TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] == 0


def test_content_deleted_in_the_admin_leaves_the_search_index(client, root):
    case = cases.case_create(
        fields={"slug": "c", "name": "Lena", "country": "RU", "summary_en": "Capybara keeper"},
        actor=root,
    )
    cases.case_publish(case=case, actor=root)
    petition = PetitionFactory(case=None, title="Axolotl rights")
    content.action_update(action=petition, fields={"ask": "Protect axolotls."}, actor=root)
    assert found("axolotl") == [petition]

    response = client.post(
        reverse("admin:actions_petition_delete", args=[petition.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    response = client.post(reverse("admin:cases_case_delete", args=[case.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert (found("axolotl"), found("capybara")) == ([], [])
    assert only_audit(case, "cases.case.deleted")[0].actor == root


def test_a_rolled_back_write_leaves_no_search_entry(alice):
    """The hook runs inside the service's transaction: the index follows the rollback."""
    case = CaseFactory(summary="Narwhal caretaker", is_published=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        cases.case_publish(case=case, actor=alice)
        assert found("narwhal") == [case]
        raise RuntimeError
    assert found("narwhal") == []
    assert audit_of(case, "cases.case.published") == []


def test_content_receivers_run_in_label_order_for_saves_and_deletes(alice):
    calls = []
    saved_before = dict(hooks._on_saved)
    deleted_before = dict(hooks._on_deleted)
    try:
        hooks.on_content_saved("zz.second", lambda obj: calls.append(("z", obj.pk)))
        hooks.on_content_saved("aa.first", lambda obj: calls.append(("a", obj.pk)))
        hooks.on_content_deleted("aa.first", lambda model, ids: calls.append(("gone", ids)))
        case = CaseFactory(is_published=False)
        cases.case_publish(case=case, actor=alice)
        case_id = case.pk
        cases.case_delete(case=case, actor=alice)
    finally:
        hooks._on_saved.clear()
        hooks._on_saved.update(saved_before)
        hooks._on_deleted.clear()
        hooks._on_deleted.update(deleted_before)
    assert calls == [("a", case_id), ("z", case_id), ("gone", [case_id])]
