"""Messages of solidarity: supporters write to the person at risk (or their family), never
to the official.

A ``SolidarityAction`` invites short plain-text messages on a case; each
``SolidarityMessage`` is a participation like a signature: its address is confirmed by an
emailed link, and it is held until a moderator approves it. Only approved (and confirmed)
messages are counted, shown and printed in a ``SolidarityPack``, which staff record as handed
over to the person, their family or their lawyer.
"""

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from outcry.actions.models import Action, Participation, ParticipationState
from outcry.cases.models import Case
from outcry.deliveries.models import private_storage

# The languages a message may be written in: any Django knows a name for, not only the
# site's own (a message to Elena Milashina may come in Russian, Polish or Japanese).
MESSAGE_LANGUAGES = sorted(ALL_LANGUAGES, key=lambda pair: pair[0])
FIRST_NAME_MAX_LENGTH = 60


class SolidarityAction(Action):
    """An invitation to send messages of solidarity to a person at risk or their family."""

    # Overrides the base's optional case: a message of solidarity is always for someone.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="solidarityactions", verbose_name=_("case")
    )
    recipient = models.CharField(
        _("to (the person or their family)"),
        max_length=200,
        help_text=_('Who receives the messages, as the page names them: "Elena Milashina".'),
    )
    max_length = models.PositiveIntegerField(
        _("longest message"), default=1000, help_text=_("In characters.")
    )
    show_on_case_page = models.BooleanField(
        _("show approved messages on the case page"),
        default=False,
        help_text=_(
            "Approved messages then show on the case page and on the action's page with "
            "the writer's first name and country only."
        ),
    )

    class Meta(Action.Meta):
        verbose_name = _("solidarity action")
        verbose_name_plural = _("solidarity actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_length__gt=0), name="solidarity_action_max_length_positive"
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("solidarity-detail", kwargs={"slug": self.slug})

    @property
    def text(self) -> str:
        return self.background


class Moderation(models.TextChoices):
    HELD = "held", _("Awaiting moderation")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class SolidarityMessage(Participation):
    """One supporter's message of solidarity.

    The text and the first name are sealed in ``personal_data`` (the public web tier holds
    only the public key). ``state`` becomes VALIDATED, and the message counted, only when a
    moderator approves it after its writer confirmed their address; a rejected one is
    INVALIDATED. ``language`` is the page's (for the emails); ``message_language`` the one
    the message is written in (for the pack).
    """

    action = models.ForeignKey(
        SolidarityAction,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("action"),
    )
    message_language = models.CharField(
        _("language of the message"), max_length=10, choices=MESSAGE_LANGUAGES
    )
    moderation = models.CharField(
        _("moderation"), max_length=10, choices=Moderation, default=Moderation.HELD
    )
    # What the spam defences found (blocked terms, links), for the moderator.
    held_reason = models.CharField(_("why held"), max_length=300, blank=True)
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True, editable=False)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("moderated by"),
    )
    # The public display copy. The public web tier cannot open ``personal_data``, so when a
    # moderator approves a message of an action that shows its messages, the staff tier
    # writes its first name and text here, unsealed, for the case page. Empty for every
    # other message; emptied again on rejection, when staff stop showing them, on erasure
    # (``erase_values``) and by retention.
    shown_name = models.CharField(
        _("first name as shown"), max_length=FIRST_NAME_MAX_LENGTH, blank=True, editable=False
    )
    shown_text = models.TextField(_("message as shown"), blank=True, editable=False)

    class Meta(Participation.Meta):
        verbose_name = _("message of solidarity")
        verbose_name_plural = _("messages of solidarity")
        permissions = [
            ("moderate_solidarity_message", _("Can approve or reject messages of solidarity")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "email_hash"], name="one_solidarity_message_per_email"
            ),
        ]
        indexes = [
            models.Index(fields=["action", "state", "counted"], name="solidarity_count_idx"),
            models.Index(fields=["action", "moderation"], name="solidarity_moderation_idx"),
        ]

    def __str__(self) -> str:
        return f"Message #{self.pk} on {self.action_id}"

    @property
    def awaits_moderation(self) -> bool:
        return (
            self.moderation == Moderation.HELD
            and self.confirmed_at is not None
            and self.state != ParticipationState.INVALIDATED
        )


class Handover(models.TextChoices):
    """Who a pack went to: the person or those close to them, never the official."""

    PERSON = "person", _("The person")
    FAMILY = "family", _("Their family")
    LAWYER = "lawyer", _("Their lawyer")


class SolidarityPack(models.Model):
    """A printable PDF of an action's approved messages, one per card, grouped by language.

    Generated by the worker (it opens the sealed messages); the file names the writers by
    first name and country and is kept in private storage (0600). Staff record when, by
    whom and to whom it was handed over.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Being generated")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")
        # A writer in it was erased before it was handed over: the file is gone.
        DISCARDED = "discarded", _("Discarded (a writer asked to be erased)")

    action = models.ForeignKey(
        SolidarityAction, on_delete=models.PROTECT, related_name="packs", verbose_name=_("action")
    )
    language = models.CharField(
        _("language of the cover"), max_length=10, choices=settings.LANGUAGES
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    error = models.TextField(_("error"), blank=True, editable=False)
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to="solidarity/", blank=True)
    # The messages printed in it, so that an erasure finds the packs that hold a writer.
    messages = models.ManyToManyField(
        SolidarityMessage, related_name="packs", blank=True, editable=False
    )
    message_count = models.PositiveIntegerField(_("messages"), default=0, editable=False)
    languages = models.CharField(_("languages"), max_length=300, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    generated_at = models.DateTimeField(_("generated"), null=True, blank=True, editable=False)
    handed_over_to = models.CharField(
        _("handed over to"), max_length=10, choices=Handover, blank=True
    )
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    handover_note = models.CharField(_("how it was handed over"), max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("solidarity pack")
        verbose_name_plural = _("solidarity packs")
        permissions = [("download_solidaritypack", _("Can download solidarity packs"))]

    def __str__(self) -> str:
        return f"Pack #{self.pk} of {self.action}"
