"""Every registered action kind is covered by everything that works across kinds: counting,
retention, erasure and export, deliveries, mailing segments and results, news "take action"
boxes and the case page. A kind registered without a factory here fails the first test;
a model holding a supporter's personal data that no eraser reaches fails the last."""

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.template import Context, Template
from django.utils import timezone

from outcry.actions import counting
from outcry.actions.admin import ActionWrites
from outcry.actions.models import ParticipationState
from outcry.actions.registry import action_type, action_types, type_of
from outcry.actions.selectors import action_total, delivery_rows
from outcry.core.crypto import email_hash, seal
from outcry.deliveries.selectors import action_for_key, deliverable_actions
from outcry.mailings.models import Mailing, Segment
from outcry.mailings.selectors import mailing_results, segment_supporters
from outcry.news.models import Post
from outcry.news.services import post_actions_set
from outcry.subscriptions.models import Subscription
from outcry.subscriptions.retention import retention_apply
from outcry.supporters import personal_data
from outcry.supporters.models import Supporter
from outcry.supporters.services import supporter_erase, supporter_export
from tests.actions_outreach.factories import CallActionFactory, LetterActionFactory
from tests.factories import PetitionFactory

pytestmark = pytest.mark.django_db


# Every registered kind: a factory for its action, and what its participations need beyond
# what every participation has. A kind declares its own in its tests' ``factories`` module
# (``ACTION_KIND_FACTORIES``), so adding one touches only its own files.
def _declared_kinds() -> dict:
    kinds = {}
    for path in sorted(Path(__file__).parent.glob("**/factories.py")):
        module = ".".join(path.relative_to(Path(__file__).parent.parent).with_suffix("").parts)
        kinds |= getattr(importlib.import_module(module), "ACTION_KIND_FACTORIES", {})
    return kinds


KINDS = _declared_kinds()


def _supporter(address: str) -> Supporter:
    return Supporter.objects.create(
        email_hash=email_hash(address),
        personal_data=seal({"email": address, "first_name": "Ada", "last_name": "Lovelace"}),
        country="FR",
        language="en",
        email_confirmed_at=timezone.now(),
    )


def _took_part(kind, action, supporter: Supporter, **fields):
    """A validated, confirmed participation that may be named, as the kind's own service
    would leave it once confirmed."""
    now = timezone.now()
    values = {
        kind.action_field: action,
        "supporter": supporter,
        "email_hash": supporter.email_hash,
        "country": "FR",
        "language": "en",
        "state": ParticipationState.VALIDATED,
        "validated_at": now,
        "confirmed_at": now,
        "named_to_target": True,
        "personal_data": seal({"name": "Ada Lovelace", "city": "Lyon"}),
        "source": "mailing:0",
        **KINDS[kind.key][1],
        **fields,
    }
    return kind.participation_model.objects.create(**values)


def _each_kind():
    """(kind, a new action of it) for every registered kind."""
    for kind in action_types():
        factory, _extra = KINDS[kind.key]
        yield kind, factory()


def test_every_registered_kind_is_covered_here():
    assert {kind.key for kind in action_types()} == set(KINDS)


def test_a_validated_participation_of_every_kind_is_counted_by_the_one_path():
    for n, (kind, action) in enumerate(_each_kind()):
        _took_part(kind, action, _supporter(f"counted{n}@example.org"))
        assert counting.action_count(kind=kind.key, action_id=action.pk) == 1, kind.key
        assert action_total(action=action) == 1, kind.key
        # Counting twice counts nobody twice.
        assert counting.action_count(kind=kind.key, action_id=action.pk) == 1, kind.key


def test_a_petition_and_a_letter_are_counted_by_the_same_path():
    """One function counts both: a validation adds one, an invalidation takes it back, a
    recount agrees, and the petition's total adds its paper signatures to the same count."""
    petition, letter_action = PetitionFactory(), LetterActionFactory()
    for n, action in enumerate((petition, letter_action)):
        kind = type_of(action)
        first = _took_part(kind, action, _supporter(f"first{n}@example.org"))
        _took_part(kind, action, _supporter(f"second{n}@example.org"))
        assert counting.action_count(kind=kind.key, action_id=action.pk) == 2
        type(first).objects.filter(pk=first.pk).update(state=ParticipationState.INVALIDATED)
        assert counting.action_count(kind=kind.key, action_id=action.pk) == 1
        assert counting.action_recount(kind=kind.key, action_id=action.pk) == 1
        assert type(action).objects.get(pk=action.pk).count == 1
    assert action_total(action=petition) == action_total(action=letter_action) == 1


def test_the_count_is_worded_by_the_kind_with_the_number_in_its_span():
    rendered = {}
    for kind, action in _each_kind():
        type(action).objects.filter(pk=action.pk).update(count=1204)
        action.refresh_from_db()
        rendered[kind.key] = Template("{% load outcry_actions %}{% action_count action %}").render(
            Context({"action": action})
        )
    assert all(
        html.startswith('<span class="count-value">1,204</span> ') for html in rendered.values()
    )
    assert {key: rendered[key] for key in ("petition", "letter", "call", "solidarity")} == {
        "petition": '<span class="count-value">1,204</span> signatures',
        "letter": '<span class="count-value">1,204</span> letters sent',
        "call": '<span class="count-value">1,204</span> calls made',
        "solidarity": '<span class="count-value">1,204</span> messages of solidarity',
    }


def test_every_kind_s_participants_are_anonymised_when_its_retention_period_ends(settings):
    settings.RETENTION_DAYS_AFTER_CLOSE = 180
    people = {}
    for kind, action in _each_kind():
        supporter = _supporter(f"retained-{kind.key}@example.org")
        _took_part(kind, action, supporter)
        type(action).objects.filter(pk=action.pk).update(
            status="closed", closes_at=timezone.now() - timedelta(days=181)
        )
        people[kind.key] = (kind, action, supporter)
    done = retention_apply()
    assert sorted(done.values()) == [1] * len(KINDS)
    for key, (kind, action, supporter) in people.items():
        supporter.refresh_from_db()
        assert supporter.erased_at is not None, key
        row = kind.participations(action).get()
        assert row.personal_data == "" and row.email_hash.startswith("erased:"), key
        assert type(action).objects.get(pk=action.pk).anonymised_at is not None, key


def test_every_kind_is_exported_and_erased_with_its_supporter():
    supporter = _supporter("everything@example.org")
    actions = {}
    for kind, action in _each_kind():
        _took_part(kind, action, supporter, keep_informed=True)
        actions[kind.key] = action
    exported = supporter_export(supporter=supporter)["actions"]
    assert {entry["action_slug"] for entry in exported} == {a.slug for a in actions.values()}
    assert all(entry["name"] == "Ada Lovelace" for entry in exported)
    assert all(entry["source"] == "mailing:0" for entry in exported)

    supporter_erase(supporter=supporter)
    for key, action in actions.items():
        kind = action_type(key)
        row = kind.participations(action).get()
        assert row.personal_data == "" and row.ip_hash == "" and row.source == "", key
        assert row.email_hash.startswith("erased:"), key
        assert not row.named_to_target and not row.keep_informed, key
        assert row.state == ParticipationState.VALIDATED and row.country.code == "FR", key
        for field, value in kind.erase_values.items():
            assert getattr(row, field) == value, (key, field)


def test_every_deliverable_kind_is_offered_for_a_package_and_streams_its_rows():
    for n, (kind, action) in enumerate(_each_kind()):
        _took_part(kind, action, _supporter(f"delivered{n}@example.org"))
        counting.action_count(kind=kind.key, action_id=action.pk)
        # A kind delivered some other way (messages, printed for the person at risk) never
        # names anyone to an official.
        named = [("Ada Lovelace", "Lyon")] if kind.deliverable else [(None, "")]
        assert [(row.name, row.city) for row in delivery_rows(action=action)] == named, kind.key
        if kind.deliverable:
            (key,) = [key for key, label in deliverable_actions() if action.title in label]
            assert action_for_key(key) == action


def test_a_segment_selects_and_a_mailing_counts_participants_of_every_kind():
    for n, (kind, action) in enumerate(_each_kind()):
        took, other = _supporter(f"took{n}@example.org"), _supporter(f"other{n}@example.org")
        for supporter in (took, other):
            Subscription.objects.create(
                supporter=supporter,
                kind=Subscription.Kind.COUNTRY,
                country="RU",
                language="en",
                confirmed_at=timezone.now(),
            )
        mailing = Mailing.objects.create(name=f"Alert {n}")
        _took_part(kind, action, took, source=mailing.source)
        segment = Segment.objects.create(name=f"Took {kind.key}")
        segment.actions_set(took=[action])
        assert list(segment_supporters(segment=segment)) == [took], kind.key
        segment.actions_set(not_took=[action])
        assert took not in set(segment_supporters(segment=segment)), kind.key
        assert other in set(segment_supporters(segment=segment)), kind.key
        assert mailing_results(mailing=mailing)["actions"] == 1, kind.key


def test_a_post_links_a_letter_and_a_call_and_shows_them_with_their_counts(client):
    letter_action = LetterActionFactory(title="Write to the minister")
    call_action = CallActionFactory(title="Call the embassy")
    type(letter_action).objects.filter(pk=letter_action.pk).update(count=1204)
    type(call_action).objects.filter(pk=call_action.pk).update(count=1)
    post = Post.objects.create(slug="act", title="Act now", is_published=True)
    post_actions_set(post=post, actions=[letter_action, call_action])

    page = client.get(post.get_absolute_url()).content.decode()
    assert page.index("Write to the minister") < page.index("Call the embassy")
    assert f'href="{letter_action.get_absolute_url()}"' in page
    assert f'href="{call_action.get_absolute_url()}"' in page
    assert '<span class="count-value">1,204</span> letters sent' in page
    assert '<span class="count-value">1</span> call made' in page


def test_the_case_page_lists_the_public_actions_of_every_kind(client):
    actions = [action for _kind, action in _each_kind()]
    case = actions[0].case
    for action in actions:
        type(action).objects.filter(pk=action.pk).update(case=case)
    page = client.get(case.get_absolute_url()).content.decode()
    for action in actions:
        assert f'href="{action.get_absolute_url()}"' in page, action
    assert "letters sent" in page and "calls made" in page and "signatures" in page


def _holds_a_supporters_personal_data(model) -> bool:
    return any(
        field.name == "personal_data"
        or (isinstance(field, models.ForeignKey) and field.related_model is Supporter)
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False)
    )


def test_every_model_holding_a_supporter_s_personal_data_is_covered_by_erasure():
    erased = set(personal_data.SUPPORTERS_MODELS)
    for holder in personal_data.holders():
        erased |= set(holder.models)
    holding = {
        model._meta.label_lower
        for model in apps.get_models()
        if _holds_a_supporters_personal_data(model)
    }
    assert holding - erased == set()
    # Every kind's participations, whichever app registers the kind.
    assert {kind.participation_model._meta.label_lower for kind in action_types()} <= erased


def test_every_kind_s_admin_writes_through_the_audited_content_services():
    """Staff create, edit, publish and close actions of every kind through
    ``actions.content`` (audited, indexed), never by a bare ``save()`` in the admin."""
    for kind in action_types():
        model_admin = admin.site.get_model_admin(kind.action_model)
        assert isinstance(model_admin, ActionWrites), kind.key
