from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SolidarityConfig(AppConfig):
    name = "outcry.solidarity"
    label = "solidarity"
    verbose_name = _("Messages of solidarity")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models import Q

        from outcry.actions.registry import ActionType, Addressee, register
        from outcry.core import roles
        from outcry.solidarity import packs
        from outcry.solidarity.models import SolidarityAction, SolidarityMessage
        from outcry.solidarity.services import count_worded, invitation
        from outcry.supporters import personal_data

        register(
            ActionType(
                key="solidarity",
                participation_rules="outcry.solidarity.services.MESSAGE",
                action_model=SolidarityAction,
                participation_model=SolidarityMessage,
                count_wording=count_worded,
                addressee=Addressee.PERSON,
                # The address's owner confirmed it: their "keep me informed" is theirs, and
                # they are kept as long as other participants. Counting asks more (state
                # VALIDATED: approved by a moderator after the confirmation).
                proven=Q(confirmed_at__isnull=False),
                # Nobody is ever named to an official: messages go to the person.
                named=Q(pk__in=[]),
                export_fields=("message_language", "moderation"),
                # The public display copy goes with the sealed words.
                erase_values={"shown_name": "", "shown_text": "", "held_reason": ""},
                detail_url_name="solidarity-detail",
                count_url_name="solidarity-count-json",
                # Handed over as a pack of cards (packs.py), not in a delivery package.
                deliverable=False,
                urls="outcry.solidarity.urls",
                invitation=invitation,
                case_page_template="solidarity/_case_page.html",
            )
        )
        roles.grant(
            roles.MODERATOR,
            ["solidarity.view_solidaritymessage", "solidarity.moderate_solidarity_message"],
        )
        roles.grant(
            roles.CAMPAIGNER,
            [
                *(f"solidarity.{verb}_solidarityaction" for verb in ("add", "change", "view")),
                "solidarity.add_solidaritypack",
                "solidarity.view_solidaritypack",
                "solidarity.change_solidaritypack",
                "solidarity.download_solidaritypack",
            ],
        )
        # Packs are files that name writers: an erasure discards those not yet handed over.
        personal_data.register(
            "solidarity",
            export=packs.packs_export_supporter,
            erase=packs.packs_erase_supporter,
            models=("solidarity.solidaritypack",),
            retain=packs.packs_expire,
            retains=("solidarity.solidaritypack",),
        )
