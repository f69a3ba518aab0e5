"""Reads for the public action pages and for delivering an action to its target."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from django.db.models import Case, Count, F, Q, QuerySet, TextField, Value, When
from django.shortcuts import get_object_or_404

from outcry.actions.models import Call, CallAction, Letter, LetterAction, Petition, Signature
from outcry.core.crypto import unseal

DELIVERY_CHUNK_SIZE = 2000


def petition_for_page(*, slug: str) -> Petition:
    return get_object_or_404(Petition.objects.public().select_related("case", "office"), slug=slug)


def petitions_open() -> QuerySet[Petition]:
    return (
        Petition.objects.public()
        .filter(status=Petition.Status.OPEN)
        .select_related("case", "office")
    )


def petition_count(*, slug: str) -> dict:
    petition = get_object_or_404(
        Petition.objects.public().only("count", "offline_count", "goal", "counted_at"),
        slug=slug,
    )
    return {
        "count": petition.total,
        "goal": petition.goal,
        "updated": petition.counted_at.isoformat() if petition.counted_at else None,
    }


@dataclass(frozen=True)
class DeliveryRow:
    """One counted participant as the target may see them: a name (with city) only for
    those who agreed to be named; everyone else is a country."""

    country: str
    name: str | None
    city: str


def _if_named(field: str):
    return Case(
        When(named_to_target=True, then=F(field)), default=Value(""), output_field=TextField()
    )


def _named(supporter_sealed: str, own_sealed: str) -> tuple[str, str]:
    """The name and city sealed with the signature itself. Signatures made before the
    name was sealed with them fall back to the supporter record's name."""
    own = unseal(own_sealed) if own_sealed else {}
    if "name" in own:
        return own["name"], own.get("city", "")
    person = unseal(supporter_sealed)
    name = " ".join(p for p in (person.get("first_name", ""), person.get("last_name", "")) if p)
    return name, own.get("city", "")


def _signature_rows(petition: Petition) -> Iterator[DeliveryRow]:
    rows = (
        Signature.objects.filter(petition=petition, counted=True)
        .order_by("pk")
        .values_list(
            "country",
            "named_to_target",
            # The sealed boxes only for those who agreed: most rows carry none.
            _if_named("supporter__personal_data"),
            _if_named("personal_data"),
        )
    )
    for country, named, supporter_sealed, own_sealed in rows.iterator(
        chunk_size=DELIVERY_CHUNK_SIZE
    ):
        if named:
            name, city = _named(supporter_sealed, own_sealed)
            yield DeliveryRow(country=country, name=name or None, city=city)
        else:
            yield DeliveryRow(country=country, name=None, city="")


def _participant_rows(queryset, *, named=None) -> Iterator[DeliveryRow]:
    """Letters and calls: the supporter's name as they signed it and their city are sealed
    together on the row itself. ``named``: who may be named (default: who agreed)."""
    rows = queryset.filter(counted=True).order_by("pk")
    named = named if named is not None else Q(named_to_target=True)
    sealed = Case(When(named, then=F("personal_data")), default=Value(""), output_field=TextField())
    rows = rows.values_list("country", "named_to_target", sealed)
    for country, named, sealed in rows.iterator(chunk_size=DELIVERY_CHUNK_SIZE):
        if named and sealed:
            words = unseal(sealed)
            yield DeliveryRow(
                country=country, name=words.get("name") or None, city=words.get("city", "")
            )
        else:
            yield DeliveryRow(country=country, name=None, city="")


def delivery_rows(*, action) -> Iterator[DeliveryRow]:
    """Every counted participant of ``action`` once, streamed (memory stays flat for
    300,000 rows). Opens sealed data for those who agreed to be named: call it in the
    worker or the staff admin, never on the public web tier.

    Offline (paper) signatures have no rows: see ``offline_counts``.
    """
    if isinstance(action, Petition):
        return _signature_rows(action)
    if isinstance(action, LetterAction):
        return _participant_rows(Letter.objects.filter(action=action))
    if isinstance(action, CallAction):
        # A call is counted unproven; its caller is named only once their address is.
        return _participant_rows(
            Call.objects.filter(action=action),
            named=Q(named_to_target=True, confirmed_at__isnull=False),
        )
    raise TypeError(f"Not an action: {action!r}")


def offline_counts(*, action) -> list[tuple[str, int, str]]:
    """Signatures gathered on paper as (country code or "", count, source), oldest first."""
    if isinstance(action, Petition):
        return [
            (country, count, source)
            for country, count, source in action.offline_signatures.order_by(
                "created_at"
            ).values_list("country", "count", "source")
        ]
    return []


def action_total(*, action) -> int:
    """Everyone counted on ``action``, including offline signatures (from the batched
    counter, so it agrees with the public page)."""
    if isinstance(action, Petition):
        counted, offline = Petition.objects.values_list("count", "offline_count").get(pk=action.pk)
        return counted + offline
    if isinstance(action, LetterAction | CallAction):
        return type(action).objects.values_list("count", flat=True).get(pk=action.pk)
    raise TypeError(f"Not an action: {action!r}")


def letter_action_for_page(*, slug: str) -> LetterAction:
    return get_object_or_404(
        LetterAction.objects.public().select_related("case", "office"), slug=slug
    )


def call_action_for_page(*, slug: str) -> CallAction:
    return get_object_or_404(
        CallAction.objects.public().select_related("case", "office"), slug=slug
    )


def case_actions(*, case, exclude=None) -> list:
    """Every public action on ``case`` (petitions, letters, emails, calls) with its count,
    for "1,204 letters sent" beside the petition count. ``exclude``: the page's own."""
    if case is None or not case.is_published:
        # A hidden case's actions that stand alone are not shown as belonging together.
        return []
    found = [
        *Petition.objects.public().filter(case=case),
        *LetterAction.objects.public().filter(case=case),
        *CallAction.objects.public().filter(case=case),
    ]
    return [a for a in found if not (type(a) is type(exclude) and a.pk == exclude.pk)]


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


def office_action_count(*, model, slug: str) -> dict:
    """The public count of a letter, email or call action (for the page's live counter)."""
    action = get_object_or_404(model.objects.public().only("count", "counted_at"), slug=slug)
    return {
        "count": action.count,
        "goal": None,
        "updated": action.counted_at.isoformat() if action.counted_at else None,
    }


def office_actions_open() -> list:
    """Open letter, email and call actions, newest first (for the home page)."""
    found = [
        *LetterAction.objects.public().filter(status="open").select_related("case"),
        *CallAction.objects.public().filter(status="open").select_related("case"),
    ]
    return sorted((a for a in found if a.is_open), key=lambda a: a.created_at, reverse=True)


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
