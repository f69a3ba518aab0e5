"""The action types this app defines, registered from ``ActionsConfig.ready()``."""

from django.db.models import Q
from django.utils.translation import gettext, ngettext

from outcry.actions.models import (
    Call,
    CallAction,
    Letter,
    LetterAction,
    ParticipationState,
    Petition,
    Signature,
)
from outcry.actions.registry import ActionType, register


def _offline_signatures(petition: Petition) -> list[tuple[str, int, str]]:
    """Signatures gathered on paper as (country code or "", count, source), oldest first."""
    return list(
        petition.offline_signatures.order_by("created_at").values_list("country", "count", "source")
    )


def _signatures_worded(petition: Petition, count: int) -> str:
    return ngettext("%(count)s signature", "%(count)s signatures", count)


def _sign_button(petition: Petition) -> tuple[str, str]:
    return gettext("Sign the petition"), f"{petition.get_absolute_url()}#sign"


def _calls_worded(action: CallAction, count: int) -> str:
    return ngettext("%(count)s call made", "%(count)s calls made", count)


def _letters_worded(action: LetterAction, count: int) -> str:
    if action.kind == LetterAction.Kind.EMAIL:
        return ngettext("%(count)s email sent", "%(count)s emails sent", count)
    return ngettext("%(count)s letter sent", "%(count)s letters sent", count)


PETITION = ActionType(
    key="petition",
    participation_rules="outcry.actions.services.SIGNATURE",
    action_model=Petition,
    participation_model=Signature,
    action_field="petition",
    count_wording=_signatures_worded,
    proven=Q(state=ParticipationState.VALIDATED),
    # Counted rows only reach a package; a signature is counted once confirmed.
    named=Q(named_to_target=True),
    erase_values={},
    offline_counts=_offline_signatures,
    detail_url_name="petition-detail",
    count_url_name="petition-count-json",
    card_template="actions/_petition_card.html",
    act_button=_sign_button,
)

LETTER = ActionType(
    key="letter",
    participation_rules="outcry.actions.letters.LETTER",
    action_model=LetterAction,
    participation_model=Letter,
    count_wording=_letters_worded,
    proven=Q(state=ParticipationState.VALIDATED),
    named=Q(named_to_target=True),
    export_fields=("route", "reply_to", "target_status"),
    erase_values={"reply_to": False},
    detail_url_name="letter-detail",
    count_url_name="letter-count-json",
)

CALL = ActionType(
    key="call",
    participation_rules="outcry.actions.calls.CALL",
    action_model=CallAction,
    participation_model=Call,
    count_wording=_calls_worded,
    # A call is counted when reported (the call was the act); its caller is kept informed
    # or named only once the address they gave is confirmed.
    proven=Q(confirmed_at__isnull=False),
    named=Q(named_to_target=True, confirmed_at__isnull=False),
    export_fields=("outcome",),
    detail_url_name="call-detail",
    count_url_name="call-count-json",
)


def register_action_types() -> None:
    for kind in (PETITION, LETTER, CALL):
        register(kind)
