"""Every model that holds a supporter's personal data is reached by erasure and by
retention: a new model holding such data fails here until it is registered."""

from django.apps import apps
from django.db import models

from outcry.actions.registry import action_types
from outcry.supporters import personal_data
from outcry.supporters.models import Supporter

# What marks personal data about a supporter: sealed boxes, keyed hashes of an address or
# an IP, names and addresses typed by the person, or a link to the supporter record.
PERSONAL_FIELDS = {"personal_data", "email_sealed", "email_hash", "ip_hash", "author_name"}

# Models that hold such fields about someone other than a supporter: staff accounts, the
# officials targeted, cases, staff-made labels. Each with why it is not a supporter's data.
NOT_SUPPORTERS = {
    "auth.user": "staff accounts",
    "auth.group": "staff roles",
    "auth.permission": "staff permissions",
    "account.emailaddress": "staff accounts' addresses (django-allauth's login)",
    "targets.office": "an official's office and its public address",
    "targets.target": "an official, named on purpose",
    "cases.case": "the person at risk, handled by the hidden-case rules",
    "actions.targetdigest": "an official's office address",
    "news.topic": "a staff label",
    "mailings.segment": "a staff label",
    "mailings.mailing": "a staff-written mailing",
}

# Every model holding a supporter's personal data, explicitly: a new one must be added here
# and registered with the personal-data registry (erasure and retention).
SUPPORTER_DATA_MODELS = {
    "supporters.supporter",
    "supporters.consentrecord",
    "supporters.suppression",
    "actions.signature",
    "actions.letter",
    "actions.call",
    "comments.comment",
    "comments.commentreport",
    "comments.commenteraddress",
    "subscriptions.subscription",
    "subscriptions.subscriptionrequest",
    "mailings.mailingrecipient",
    # Its files name supporters (no column does).
    "deliveries.deliverypackage",
}


def holds_personal_data(model) -> bool:
    for field in model._meta.get_fields():
        if not getattr(field, "concrete", False):
            continue
        if field.name in PERSONAL_FIELDS or field.name in {"email", "first_name", "last_name"}:
            return True
        if isinstance(field, models.ForeignKey) and field.related_model is Supporter:
            return True
    return False


def test_every_model_with_personal_data_is_listed():
    """Walking every installed model finds exactly the listed ones (and those that hold
    someone else's data, each with its reason): a new model holding personal data fails."""
    found = {model._meta.label_lower for model in apps.get_models() if holds_personal_data(model)}
    # Every registered action kind's participations hold it; the registry makes the
    # generic erasure reach them (tests/test_action_registry.py proves it kind by kind).
    participations = {kind.participation_model._meta.label_lower for kind in action_types()}
    unexpected = found - SUPPORTER_DATA_MODELS - participations - set(NOT_SUPPORTERS)
    assert not unexpected, f"register these for erasure and retention: {sorted(unexpected)}"
    assert found >= SUPPORTER_DATA_MODELS - {"deliveries.deliverypackage"}


def test_every_model_with_personal_data_is_reached_by_erasure_and_by_retention():
    """Each listed model is erased by a registered app (or by the supporter's erasure
    itself), and let go in time by a registered daily retention (or kept on purpose, with
    the reason written down)."""
    holders = personal_data.holders()
    erased = set(personal_data.SUPPORTERS_MODELS)
    retained = set(personal_data.RETENTION_EXEMPT)
    for holder in holders:
        erased |= set(holder.models)
        if holder.retain is not None:
            retained |= set(holder.retains)
    erased |= set(personal_data.RETENTION_EXEMPT)  # the erasure writes it, never removes it
    assert SUPPORTER_DATA_MODELS - erased == set(), "no eraser"
    assert SUPPORTER_DATA_MODELS - retained == set(), "no retention"
    every_model = {model._meta.label_lower for model in apps.get_models()}
    for holder in holders:
        assert set(holder.models) | set(holder.retains) <= every_model, holder.label
