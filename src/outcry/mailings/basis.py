"""Why a person gets a mailing, in words: the footer names the consent it is sent under.

``MailingRecipient.basis`` keeps that consent as a short key, written when the recipients
are fixed (``country:RU``, ``topic:<id>``, ``case:<id>`` for a subscription;
``petition:<id>``, ``letter:<id>`` for a confirmed "keep me informed" on that action).
The sentence is made in the recipient's language when the message is rendered; each
key is looked up once per language and run (a mailing has few distinct ones).
"""

import threading

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django_countries import countries

from outcry.actions.models import LetterAction, Petition
from outcry.cases.models import Case
from outcry.news.models import Topic


def general_reason(language: str) -> str:
    """The organisation's usual wording, for a row older than the basis (or whose
    action or topic has since been deleted)."""
    with translation.override(language):
        return _(
            "You received this email because you asked %(name)s to keep you informed about "
            "opportunities to protect human rights."
        ) % {"name": settings.ORGANISATION.get("name", "")}


def _subject_name(kind: str, pk: str) -> str | None:
    if kind == "country":
        name = countries.name(pk)
        return str(name) if name else None
    model = {"topic": Topic, "case": Case, "petition": Petition, "letter": LetterAction}[kind]
    field = "name" if kind in {"topic", "case"} else "title"
    obj = model.objects.filter(pk=pk).first() if pk.isdigit() else None
    return getattr(obj, field) if obj is not None else None


def consent_reason(basis: str, language: str) -> str:
    """The footer's sentence for this basis, in ``language``."""
    kind, _sep, pk = basis.partition(":")
    if kind not in {"country", "topic", "case", "petition", "letter"}:
        return general_reason(language)
    with translation.override(language):
        name = _subject_name(kind, pk)
        if name is None:
            return general_reason(language)
        if kind == "petition":
            return _(
                "You get this email because you asked to hear more when you signed “%(action)s”."
            ) % {"action": name}
        if kind == "letter":
            return _(
                "You get this email because you asked to hear more when you wrote to the "
                "authorities through “%(action)s”."
            ) % {"action": name}
        return _("You get this email because you subscribed to news about %(subject)s.") % {
            "subject": name
        }


class ConsentReasons:
    """``consent_reason`` with a cache, shared by a sender's threads."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def __call__(self, basis: str, language: str) -> str:
        key = (basis, language)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        reason = consent_reason(basis, language)
        with self._lock:
            self._cache[key] = reason
        return reason
