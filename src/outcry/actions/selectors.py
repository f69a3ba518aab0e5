"""Reads for the public action pages and for delivering an action to its target."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Case, Count, F, Q, QuerySet, TextField, Value, When
from django.shortcuts import get_object_or_404

from outcry.actions.models import ActionStatus, CallAction, LetterAction, Petition, Signature
from outcry.actions.registry import action_type, action_types, actions_public, type_of
from outcry.core.crypto import unseal
from outcry.core.public_cache import memoised

DELIVERY_CHUNK_SIZE = 2000


def petition_for_page(*, slug: str) -> Petition:
    return get_object_or_404(Petition.objects.public().select_related("case", "office"), slug=slug)


def petition_for_signing(*, slug: str) -> Petition:
    """The petition a signature is posted to. On a viral day the same few petitions take
    hundreds of signatures a second: each process keeps the one it read for a second
    (``outcry.core.public_cache.memoised``; forgotten at once when content changes in this
    process, so closing or pausing is seen by the others within that second)."""
    return memoised(f"petition:{slug}", lambda: petition_for_page(slug=slug))


def petitions_open() -> QuerySet[Petition]:
    return (
        Petition.objects.public()
        .filter(status=Petition.Status.OPEN)
        .select_related("case", "office")
    )


def action_count_data(*, kind: str, slug: str) -> dict:
    """The public count of any kind's action, for its page's live counter: the total (paper
    signatures included), the goal where the kind has one, and when it was last counted."""
    model = action_type(kind).action_model
    # Only what the count needs: this is read by every open page every few seconds.
    wanted = ("count", "counted_at", "offline_count", "goal")
    present = {field.name for field in model._meta.concrete_fields}
    fields = [name for name in wanted if name in present]
    action = get_object_or_404(model.objects.public().only(*fields), slug=slug)
    return {
        "count": action.total,
        "goal": getattr(action, "goal", None),
        "updated": action.counted_at.isoformat() if action.counted_at else None,
    }


@dataclass(frozen=True)
class DeliveryRow:
    """One counted participant as the target may see them: a name (with city) only for
    those who agreed to be named; everyone else is a country."""

    country: str
    name: str | None
    city: str


def _if_named(named: Q, field: str):
    return Case(When(named, then=F(field)), default=Value(""), output_field=TextField())


def _named(supporter_sealed: str, own_sealed: str) -> tuple[str, str]:
    """The name and city sealed with the participation itself. Signatures made before the
    name was sealed with them fall back to the supporter record's name."""
    own = unseal(own_sealed) if own_sealed else {}
    if "name" in own:
        return own["name"], own.get("city", "")
    person = unseal(supporter_sealed)
    name = " ".join(p for p in (person.get("first_name", ""), person.get("last_name", "")) if p)
    return name, own.get("city", "")


def delivery_rows(*, action) -> Iterator[DeliveryRow]:
    """Every counted participant of ``action`` once, streamed (memory stays flat for
    300,000 rows). Opens sealed data for those its kind lets be named (``ActionType.named``):
    call it in the worker or the staff admin, never on the public web tier.

    Participants counted without a row (paper signatures) are not here: see ``offline_counts``.
    """
    kind = type_of(action)
    rows = (
        kind.participations(action)
        .filter(counted=True)
        .order_by("pk")
        .values_list(
            "country",
            # The sealed boxes only for those who may be named: most rows carry none.
            _if_named(kind.named, "supporter__personal_data"),
            _if_named(kind.named, "personal_data"),
        )
    )
    for country, supporter_sealed, own_sealed in rows.iterator(chunk_size=DELIVERY_CHUNK_SIZE):
        if supporter_sealed or own_sealed:
            name, city = _named(supporter_sealed, own_sealed)
            yield DeliveryRow(country=country, name=name or None, city=city)
        else:
            yield DeliveryRow(country=country, name=None, city="")


def offline_counts(*, action) -> list[tuple[str, int, str]]:
    """Participants counted without a row (paper signatures) as (country code or "", count,
    source), oldest first: whatever the action's kind says."""
    return list(type_of(action).offline_counts(action))


def action_total(*, action) -> int:
    """Everyone counted on ``action``, including those counted without a row (from the
    batched counter, so it agrees with the public page)."""
    return type(action).objects.get(pk=action.pk).total


def letter_action_for_page(*, slug: str) -> LetterAction:
    return get_object_or_404(
        LetterAction.objects.public().select_related("case", "office"), slug=slug
    )


def call_action_for_page(*, slug: str) -> CallAction:
    return get_object_or_404(
        CallAction.objects.public().select_related("case", "office"), slug=slug
    )


def case_actions(*, case, exclude=None) -> list:
    """Every public action on ``case``, of every registered kind, with its count, for
    "1,204 letters sent" beside the petition count. ``exclude``: the page's own."""
    if case is None or not case.is_published:
        # A hidden case's actions that stand alone are not shown as belonging together.
        return []
    return [
        a
        for a in actions_public(case=case)
        if not (type(a) is type(exclude) and a.pk == exclude.pk)
    ]


@dataclass(frozen=True)
class ActionCard:
    """One action as a page lists it (a case's actions, a news post's "take action" box),
    whatever its kind."""

    action: object
    title: str  # the kind's invitation ("Send a message of solidarity to …"), or the title
    card_template: str  # "" for the count in the kind's words
    case_page_template: str
    button: tuple[str, str] | None  # (label, URL) to take part, where the kind has one

    @property
    def offers_button(self) -> bool:
        return self.button is not None and self.action.is_open


def action_cards(actions) -> list[ActionCard]:
    """Cards for ``actions`` (of any kinds), in their order."""
    cards = []
    for action in actions:
        kind = type_of(action)
        cards.append(
            ActionCard(
                action=action,
                title=kind.invitation(action) if kind.invitation else action.title,
                card_template=kind.card_template,
                case_page_template=kind.case_page_template,
                button=kind.act_button(action) if kind.act_button else None,
            )
        )
    return cards


def case_page_actions(case) -> list[ActionCard]:
    """The case's public actions of every kind, for its page (registered with
    ``outcry.cases.hooks`` from ``ActionsConfig.ready()``)."""
    return action_cards(case_actions(case=case))


def mailto_link(*, action: LetterAction, letter) -> str:
    """A ``mailto:`` link with the model letter, where staff offer it and the office has
    an address that works; "" otherwise."""
    to = letter.addressee
    if not action.route_mailto or not to.email or not to.email_usable:
        return ""
    return (
        f"mailto:{quote(to.email, safe='@')}?subject={quote(letter.subject)}"
        f"&body={quote(letter.text)}"
    )


def tel_link(phone: str) -> str:
    """``tel:+74956442203`` from "+7 495 644 2203"; "" when there is no number."""
    digits = re.sub(r"[^\d+]", "", phone or "")
    return f"tel:{digits}" if digits.strip("+") else ""


def actions_open(*, listed_apart: bool | None = None) -> list:
    """Open public actions of every registered kind, newest first. ``listed_apart``: only
    the kinds that pages list in a section of their own (True: petitions, with a progress
    bar), or only the others (False)."""
    found = [
        action
        for kind in action_types()
        if listed_apart is None or bool(kind.card_template) == listed_apart
        for action in kind.action_model.objects.public()
        .filter(status=ActionStatus.OPEN)
        .select_related("case")
    ]
    return sorted((a for a in found if a.is_open), key=lambda a: a.created_at, reverse=True)


def office_actions_open() -> list:
    """Open actions of the kinds with no card of their own (letters, emails, calls…),
    newest first, for the home page's "Write and call" beside its petitions."""
    return actions_open(listed_apart=False)


ACTION_CHOICES_PER_KIND = 500


def action_choices() -> list[tuple[str, str]]:
    """("<kind>:<id>", "Letter: Free Anna") for actions of every registered kind, newest
    first per kind, drafts too (staff link them before publishing): the staff's choice of
    an action wherever a form picks any kind (segments, news posts)."""
    return [
        (f"{kind.key}:{action.pk}", f"{kind.label.capitalize()}: {action.title}")
        for kind in action_types()
        for action in kind.action_model.objects.order_by("-pk")[:ACTION_CHOICES_PER_KIND]
    ]


def action_for_choice(value: str):
    """The action an ``action_choices`` value names, or None."""
    kind_key, _sep, action_id = value.partition(":")
    kind = next((kind for kind in action_types() if kind.key == kind_key), None)
    if kind is None or not action_id.isdigit():
        return None
    return kind.action_model.objects.filter(pk=int(action_id)).first()


FLAGGED_GROUPS_SHOWN = 50


def flagged_signature_groups(*, limit: int = FLAGGED_GROUPS_SHOWN) -> list[dict]:
    """Flagged signatures by reason and source (the ?source= and the hashed IP bucket),
    largest first, with how many of each were confirmed by their address's owner: one
    row per wave for a moderator to look at, validate or block."""
    return list(
        Signature.objects.filter(state=Signature.State.FLAGGED)
        .values("flag_reason", "source", "ip_hash")
        .annotate(
            total=Count("pk"),
            confirmed=Count("pk", filter=Q(confirmed_at__isnull=False)),
        )
        .order_by("-total", "flag_reason", "source", "ip_hash")[:limit]
    )
