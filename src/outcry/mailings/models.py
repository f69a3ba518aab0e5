from collections.abc import Iterable

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.actions.registry import action_type, type_of
from outcry.cases.models import Case, CaseUpdate
from outcry.mailings.merge import validate_variant
from outcry.news.models import Topic
from outcry.supporters.models import Supporter


class Segment(models.Model):
    """Who a mailing goes to, built from criteria in the admin (no code).

    Every criterion left empty means "anyone"; those filled in must all hold. People who
    may not be mailed at all (unconfirmed, unsubscribed, bounced, erased, suppressed) are
    always left out, whatever the criteria (see selectors.segment_supporters).
    """

    name = models.CharField(_("name"), max_length=200)
    subscribed_countries = CountryField(
        _("subscribed to countries"),
        multiple=True,
        blank=True,
        help_text=_("People subscribed to any of these countries (or topics or cases below)."),
    )
    subscribed_topics = models.ManyToManyField(
        Topic, blank=True, related_name="+", verbose_name=_("subscribed to topics")
    )
    subscribed_cases = models.ManyToManyField(
        Case, blank=True, related_name="+", verbose_name=_("subscribed to cases")
    )
    countries = CountryField(
        _("living in"), multiple=True, blank=True, help_text=_("The supporter's own country.")
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_('Language codes separated by commas, e.g. "fr" or "en,fr". Empty: any.'),
    )
    # "Took action on" and "did not yet take action on", for actions of every kind: the
    # segment's ``actions`` (SegmentAction rows).
    signed_up_after = models.DateField(_("signed up on or after"), null=True, blank=True)
    signed_up_before = models.DateField(_("signed up before"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name

    @property
    def language_list(self) -> list[str]:
        return [code.strip() for code in self.languages.split(",") if code.strip()]

    def actions_set(self, *, took: Iterable = (), not_took: Iterable = ()) -> None:
        """Select the participants of ``took`` and leave out those of ``not_took``
        (actions of any registered kind), replacing what the segment had."""
        rows = [
            SegmentAction(segment=self, took=flag, kind=type_of(action).key, action_id=action.pk)
            for flag, actions in ((True, took), (False, not_took))
            for action in actions
        ]
        with transaction.atomic():
            self.actions.all().delete()
            SegmentAction.objects.bulk_create(rows)


class SegmentAction(models.Model):
    """An action a segment selects on, of any registered kind (by its registry key, so a
    kind added later needs no change here): its participants are in the segment ("took
    action on") or left out of it ("did not yet take action on")."""

    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="actions", verbose_name=_("segment")
    )
    took = models.BooleanField(
        _("took action"),
        default=True,
        help_text=_(
            "Ticked: people who took this action (and confirmed). Not ticked: leave out "
            "people who took it."
        ),
    )
    kind = models.CharField(_("kind of action"), max_length=40)
    action_id = models.PositiveIntegerField(_("action"))

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "kind", "action_id"], name="segment_action_once"
            ),
        ]

    def __str__(self) -> str:
        action = self.action
        return str(action) if action is not None else f"{self.kind} #{self.action_id}"

    @property
    def action(self):
        """The action, or None once it is deleted."""
        return action_type(self.kind).action_model.objects.filter(pk=self.action_id).first()


class Mailing(models.Model):
    """An email to a segment, in one variant per language."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(
        _("name"), max_length=200, help_text=_("For staff only, never shown to supporters.")
    )
    segment = models.ForeignKey(
        Segment,
        on_delete=models.PROTECT,
        related_name="mailings",
        verbose_name=_("segment"),
        null=True,
        blank=True,
    )
    # A case update mailing also goes to the case's signers who asked to be kept informed.
    case_update = models.ForeignKey(
        CaseUpdate,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("case update"),
        null=True,
        blank=True,
    )
    default_language = models.CharField(
        _("default language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Sent to people whose language has no variant."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        permissions = [("send_mailing", _("Can send, pause and cancel mailings"))]

    def __str__(self) -> str:
        return self.name

    @property
    def source(self) -> str:
        """What action links carry (``?source=``) so actions are counted per mailing."""
        return f"mailing:{self.pk}"

    @property
    def is_editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.SCHEDULED}


class MailingVariant(models.Model):
    """The mailing in one language. Subject, preheader and body may hold merge fields."""

    mailing = models.ForeignKey(
        Mailing, on_delete=models.CASCADE, related_name="variants", verbose_name=_("mailing")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=300)
    preheader = models.CharField(
        _("preheader"),
        max_length=300,
        blank=True,
        help_text=_("The line shown after the subject in inbox lists."),
    )
    body = models.TextField(
        _("body (Markdown)"),
        help_text=_(
            'Markdown. Merge fields: {{ first_name|default:"friend" }}, {{ last_name }}, '
            "{{ country }}. Links to this site get the mailing's source added, so actions "
            "taken through them are counted."
        ),
    )
    reason = models.CharField(
        _("why they get this"),
        max_length=300,
        blank=True,
        help_text=_("Shown in the footer; empty: the organisation's usual wording."),
    )

    class Meta:
        ordering = ["mailing", "language"]
        verbose_name = _("language variant")
        verbose_name_plural = _("language variants")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "language"], name="one_variant_per_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mailing} [{self.language}]"

    def clean(self) -> None:
        validate_variant(self)


class MailingRecipient(models.Model):
    """One delivery of one mailing to one supporter. The database allows only one.

    ``token`` names the recipient in the unsubscribe and view-in-browser links. The
    view-in-browser page needs the key in the link as well: ``view_data`` is sealed with
    it (and holds no name: that page is shown to whoever the link is shared with, so it
    greets no one and links to no one's preferences).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CLAIMED = "claimed", _("Being sent")
        SENT = "sent", _("Sent")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped (no longer mailable)")
        CANCELLED = "cancelled", _("Cancelled")

    mailing = models.ForeignKey(
        Mailing, on_delete=models.CASCADE, related_name="recipients", verbose_name=_("mailing")
    )
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="mailing_deliveries",
        verbose_name=_("supporter"),
    )
    token = models.CharField(max_length=32, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The claim: which worker holds the row and until when (a dead worker's lease expires).
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # Looked up when an email service reports a bounce or complaint for a message.
    message_id = models.CharField(max_length=200, blank=True, db_index=True)
    error = models.CharField(_("last error"), max_length=300, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed through it"), null=True, blank=True)
    # The consent that put this person in the audience, named in the footer ("because you
    # subscribed to news about …"): "country:RU", "topic:<id>", "case:<id>" (a subscription)
    # or "petition:<id>", "letter:<id>" (a confirmed "keep me informed" on that action).
    basis = models.CharField(_("consent it is sent under"), max_length=40, blank=True)
    view_data = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["mailing", "pk"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["mailing", "supporter"], name="one_delivery_per_supporter_per_mailing"
            ),
        ]
        indexes = [
            models.Index(fields=["mailing", "status", "id"], name="mailingrecipient_work_idx"),
        ]

    def __str__(self) -> str:
        return f"Mailing {self.mailing_id} → supporter {self.supporter_id}"
