"""Factories for messages of solidarity."""

import factory

from outcry.actions.models import ActionStatus
from outcry.solidarity.models import Moderation, SolidarityAction
from tests.factories import CaseFactory


class SolidarityActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SolidarityAction

    slug = factory.Sequence(lambda n: f"solidarity-{n}")
    title = "Send Elena a message of solidarity"
    title_fr = "Envoyez un message de solidarité à Elena"
    recipient = "Elena Milashina"
    recipient_fr = "Elena Milachina"
    background = "Elena documents abuses in Chechnya. Tell her she is not alone."
    case = factory.SubFactory(CaseFactory, name="Elena Milashina")
    status = ActionStatus.OPEN
    show_on_case_page = True


# The registered action kind this module makes (see tests/test_action_registry.py): a
# counted message is one a moderator approved.
ACTION_KIND_FACTORIES = {
    "solidarity": (
        SolidarityActionFactory,
        {"message_language": "en", "moderation": Moderation.APPROVED},
    ),
}
