import uuid

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.cases.models import Case
from outcry.core.fields import SealedTextField
from outcry.supporters.models import Supporter
from outcry.targets.models import Office

# Who may see an action: not a draft, and its case is published, or it has none, or staff
# let it stand on its own (then its pages never name the case).
_SHOWN_CASE = (
    models.Q(case__isnull=True)
    | models.Q(case__is_published=True)
    | models.Q(stands_without_case=True)
)

STANDS_WITHOUT_CASE_HELP = _(
    "Keep this action public while its case is not published. Its pages, lists and feeds "
    "then never show the case's name, status or link."
)


class ActionStatus(models.TextChoices):
    """One status set for every action type."""

    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ParticipationState(models.TextChoices):
    """One state set for every participation, as alphagov/e-petitions has it: pending until
    the email link is followed, then validated (and counted once by the counting task);
    flagged when it came past a limit without solving the challenge, or from a blocked
    source; invalidated by staff. Nothing counts without ``confirmed_at``, except where a
    type says its act itself is the proof (a call report)."""

    PENDING = "pending", _("Pending confirmation")
    VALIDATED = "validated", _("Validated")
    FLAGGED = "flagged", _("Flagged")
    INVALIDATED = "invalidated", _("Invalidated")


class FlagReason(models.TextChoices):
    """Why a participation was flagged (or which limit it passed)."""

    IP_BURST = "ip_burst", _("Many signatures from one address within a minute")
    IP_SUSTAINED = "ip_sustained", _("Many signatures from one address within an hour")
    DOMAIN_RATE = "domain_rate", _("Many signatures from one email domain within an hour")
    MAILBOX_RATE = "mailbox_rate", _("Many signatures for one mailbox within an hour")
    BLOCKED_DOMAIN = "blocked_domain", _("Blocked email domain")
    BLOCKED_IP = "blocked_ip", _("Blocked address (IP hash)")


class ActionQuerySet(models.QuerySet):
    def public(self):
        return self.exclude(status=ActionStatus.DRAFT).filter(_SHOWN_CASE)


class Action(models.Model):
    """What every action type shares: a case, a status, an act-before date, a reference,
    one batched counter and one retention period. Each concrete type (``Petition``,
    ``LetterAction``, ``CallAction``, and types in other apps) is registered once in
    ``outcry.actions.registry``; code that works across types asks the registry."""

    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    reference = models.CharField(
        _("reference"),
        max_length=40,
        blank=True,
        help_text=_('The action\'s reference number, e.g. "UA 219/06"'),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("case"),
        null=True,
        blank=True,
    )
    stands_without_case = models.BooleanField(
        _("show this action without its case"), default=False, help_text=STANDS_WITHOUT_CASE_HELP
    )
    title = models.CharField(_("title"), max_length=200)
    background = models.TextField(_("background"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus, default=ActionStatus.DRAFT
    )
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    retention_days = models.PositiveIntegerField(
        _("keep participants' data for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "Days after the action closes (with no closing date: after the site's longest "
            "open period) before those who did not ask to hear more are anonymised. Empty: "
            "the site's default."
        ),
    )
    anonymised_at = models.DateTimeField(
        _("participants anonymised"), null=True, blank=True, editable=False
    )
    # Written only by the counting task (outcry.actions.counting), in batches, never per
    # participation: a viral day would otherwise make this row the hottest in the database.
    count = models.PositiveIntegerField(_("counted"), default=0, editable=False)
    counted_at = models.DateTimeField(_("count updated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        if self.status != ActionStatus.OPEN:
            return False
        return self.closes_at is None or self.closes_at > timezone.now()

    @property
    def total(self) -> int:
        """Everyone counted (a type with offline participants adds them)."""
        return self.count

    @property
    def public_case(self) -> Case | None:
        return _public_case(self)


class Participation(models.Model):
    """What every supporter's act on an action shares. The link to the action is the
    concrete type's own foreign key (``ActionType.action_field`` names it)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="%(class)ss",
        verbose_name=_("supporter"),
    )
    email_hash = models.CharField(_("email hash"), max_length=64)
    country = CountryField(_("country"))
    language = models.CharField(_("language"), max_length=10)
    state = models.CharField(
        _("state"), max_length=12, choices=ParticipationState, default=ParticipationState.PENDING
    )
    # The limit the participation passed (kept when the challenge was solved and it is
    # merely pending), so moderators can look at a wave by reason and source.
    flag_reason = models.CharField(_("why flagged"), max_length=100, blank=True, choices=FlagReason)
    ip_hash = models.CharField(_("IP hash"), max_length=32, blank=True)
    keep_informed = models.BooleanField(_("keep me informed"), default=False)
    # The supporter agreed that their name and city go to the target with the count.
    named_to_target = models.BooleanField(_("may be named to the target"), default=False)
    # The supporter's own words (name as given, city, an edited letter), sealed: see crypto.
    personal_data = SealedTextField(_("personal data (sealed)"), blank=True, editable=False)
    # Where the participant came from, e.g. "mailing:12" (validated, never free text).
    source = models.CharField(_("source"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validated"), null=True, blank=True)
    # When the address's owner followed the emailed link; staff validation never sets it.
    confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    # True once this participation is included in its action's count (or subtracted).
    counted = models.BooleanField(default=False, editable=False)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmation_bounced = models.BooleanField(default=False, editable=False)

    class Meta:
        abstract = True
        ordering = ["-created_at"]


class Petition(Action):
    """A petition on a case to one target, with a counter and a goal."""

    Status = ActionStatus

    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("to (office)"),
        null=True,
        blank=True,
        help_text=_("The petition goes to whoever holds this office on the day."),
    )
    ask = models.TextField(
        _("the ask"), max_length=2000, help_text=_("What the petition asks the target to do.")
    )
    goal = models.PositiveIntegerField(_("goal"), default=10_000)
    signing_paused = models.BooleanField(
        _("signing paused"),
        default=False,
        help_text=_("Stop taking signatures for now, e.g. during an attack by bots."),
    )
    # The sum of the OfflineSignatures rows, kept by services.offline_signatures_add.
    offline_count = models.PositiveIntegerField(_("offline signatures"), default=0, editable=False)

    class Meta(Action.Meta):
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            models.CheckConstraint(condition=models.Q(goal__gt=0), name="petition_goal_positive"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("petition-detail", kwargs={"slug": self.slug})

    @property
    def total(self) -> int:
        """Everyone counted: confirmed online signatures and those gathered on paper."""
        return self.count + self.offline_count

    @property
    def text(self) -> str:
        return self.ask

    @property
    def progress_percent(self) -> int:
        return min(100, int(self.total * 100 / self.goal)) if self.goal else 0


def _public_case(action) -> Case | None:
    """The action's case as public pages may show it: None when it has none or when the
    case is not published (the action then stands on its own, unnamed)."""
    case = action.case
    return case if case is not None and case.is_published else None


class Signature(Participation):
    """One supporter's signature on one petition.

    A flagged signature is still emailed (unless blocked), and once its address's owner
    follows the link it is validated and counts like any other, since the point of the
    flag is that the owner proves themselves.
    """

    State = ParticipationState
    FlagReason = FlagReason

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="signatures", verbose_name=_("petition")
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    duplicate_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(Participation.Meta):
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        permissions = [
            ("export_signature", _("Can export signatures")),
            ("moderate_signature", _("Can validate or invalidate signatures")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_hash"], name="one_signature_per_email_per_petition"
            ),
        ]
        indexes = [
            # The counting task's work list: validated but not yet counted.
            models.Index(fields=["petition", "state", "counted"], name="signature_count_idx"),
        ]

    def __str__(self) -> str:
        return f"Signature #{self.pk} on {self.petition_id}"


class BlockedSource(models.Model):
    """An email domain or a hashed IP address that staff block from signing.

    A blocked signature gets the same "check your email" page as any other, but no email,
    and is never counted. IP hashes rotate daily, so a blocked IP hash lasts one day.
    """

    class Kind(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", _("Email domain (with its subdomains)")
        IP_HASH = "ip_hash", _("IP hash (as shown on a signature)")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    value = models.CharField(_("domain or IP hash"), max_length=253)
    reason = models.CharField(_("reason"), max_length=300)
    added_by = models.CharField(_("added by"), max_length=150, blank=True, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("blocked source")
        verbose_name_plural = _("blocked sources")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="blocked_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        self.value = self.value.strip().lower()
        if self.kind == self.Kind.EMAIL_DOMAIN:
            self.value = self.value.rpartition("@")[2].removeprefix("www.").strip(".")


class OfflineSignatures(models.Model):
    """Signatures gathered on paper (at a stall, an event), added by staff as a number.

    Counted in the petition's total and its delivery package; there is nobody behind them
    in the database, so they are never named.
    """

    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="offline_signatures",
        verbose_name=_("petition"),
    )
    count = models.PositiveIntegerField(_("number of signatures"))
    country = CountryField(_("country"), blank=True, help_text=_("Where they were gathered."))
    source = models.CharField(
        _("source"), max_length=300, help_text=_('Where they come from: "Paris stall, 8 March"')
    )
    added_by = models.CharField(_("added by"), max_length=150, blank=True, editable=False)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("offline signatures")
        verbose_name_plural = _("offline signatures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gt=0), name="offline_signatures_count_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} ({self.source})"


class OfficeAction(Action):
    """An action addressed to an office (letters, emails, calls)."""

    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="%(class)ss",
        verbose_name=_("to (office)"),
        help_text=_("The action goes to whoever holds this office on the day."),
    )
    background = models.TextField(_("background"), blank=True, help_text=_("Markdown."))

    class Meta(Action.Meta):
        abstract = True


class LetterAction(OfficeAction):
    """A model letter (or a short email) that supporters send to an office's holder.

    The salutation comes from the target directory (whoever holds the office on the day, in
    the letter's language); the body is Markdown with numbered demands; the supporter's
    name and city close it. Staff choose the routes: Outcry emails it (throttled per target
    address), a PDF to print and post, a ``mailto:`` link.
    """

    class Kind(models.TextChoices):
        LETTER = "letter", _("Letter")
        EMAIL = "email", _("Email to the target")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.LETTER)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(
        _("model letter"),
        help_text=_(
            "Markdown, after the salutation and before the sign-off: the background and the "
            "numbered demands (1. … 2. …)."
        ),
    )
    editable = models.BooleanField(_("supporters may edit the letter"), default=True)
    max_length = models.PositiveIntegerField(
        _("longest letter a supporter may send"),
        default=6000,
        help_text=_("In characters, the salutation and sign-off not included."),
    )
    route_email = models.BooleanField(
        _("Outcry emails it to the target"),
        default=True,
        help_text=_("Only where the office has an email address that has not bounced."),
    )
    route_print = models.BooleanField(_("PDF to print and post"), default=True)
    route_mailto = models.BooleanField(_("mailto: link"), default=False)
    hourly_cap = models.PositiveIntegerField(
        _("emails to the target per hour"),
        default=20,
        help_text=_(
            "At most this many emails to the office's address in any hour, over all "
            "actions; the rest wait their turn."
        ),
    )
    daily_cap = models.PositiveIntegerField(_("emails to the target per day"), default=200)
    moderate_edited = models.BooleanField(
        _("review edited letters before they are sent"),
        default=False,
        help_text=_(
            "Letters a supporter changed wait for a moderator's approval before they go to "
            "the target. The model letter unchanged goes without waiting."
        ),
    )
    digest = models.BooleanField(
        _("send a daily digest instead"),
        default=False,
        help_text=_("One email a day to the target bundling that day's letters."),
    )

    class Meta(OfficeAction.Meta):
        verbose_name = _("letter or email action")
        verbose_name_plural = _("letter and email actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hourly_cap__gt=0, daily_cap__gt=0, max_length__gt=0),
                name="letter_action_caps_positive",
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("letter-detail", kwargs={"slug": self.slug})

    @property
    def text(self) -> str:
        return self.body


class CallAction(OfficeAction):
    """A call to the office: a script per language, the office's hours in its time zone,
    and an "I called" form whose reports are counted."""

    script = models.TextField(_("call script"), help_text=_("Markdown."))

    class Meta(OfficeAction.Meta):
        verbose_name = _("call action")
        verbose_name_plural = _("call actions")

    def get_absolute_url(self) -> str:
        return reverse("call-detail", kwargs={"slug": self.slug})

    @property
    def text(self) -> str:
        return self.script


class Letter(Participation):
    """One supporter's letter (or email) on a letter action, kept as they sent it (sealed)."""

    class Route(models.TextChoices):
        EMAIL = "email", _("Emailed by Outcry")
        PRINT = "print", _("Printed and posted")

    class TargetStatus(models.TextChoices):
        NOT_SENT = "not_sent", _("Not for sending")
        QUEUED = "queued", _("Waiting its turn")
        SCHEDULED = "scheduled", _("Being sent")
        SENT = "sent", _("Sent")
        IN_DIGEST = "in_digest", _("In a daily digest")
        BOUNCED = "bounced", _("Refused by the target's server")
        # The server refused this message (content filter, size), not the address.
        REFUSED = "refused", _("This letter refused by the target's server")
        HELD = "held", _("Held for review")
        DECLINED = "declined", _("Not sent (moderator)")

    class HoldReason(models.TextChoices):
        REVIEW = "review", _("Edited: staff review edited letters on this action")
        FLOOD = "flood", _("Near-identical to many edited letters from new addresses")

    action = models.ForeignKey(
        LetterAction, on_delete=models.CASCADE, related_name="letters", verbose_name=_("action")
    )
    route = models.CharField(_("route"), max_length=10, choices=Route, default=Route.EMAIL)
    reply_to = models.BooleanField(
        _("the target may reply to the supporter"),
        default=False,
        help_text=_("The supporter's address is given as Reply-To."),
    )
    edited = models.BooleanField(_("edited by the supporter"), default=False)
    # A keyed SimHash of the words the supporter added to the model letter: near-identical
    # edits share most of its bits, and it cannot be read back into words.
    edit_fingerprint = models.CharField(max_length=16, blank=True, editable=False)
    held_because = models.CharField(
        _("held because"), max_length=10, choices=HoldReason, blank=True
    )
    # Sending to the target: queued on confirmation, scheduled by the throttle, claimed by
    # send_once (target_sent_at). target_email is the address at scheduling time, which
    # the hourly and daily windows are counted on.
    target_status = models.CharField(
        _("to the target"), max_length=12, choices=TargetStatus, default=TargetStatus.NOT_SENT
    )
    target_email = models.EmailField(_("sent to"), blank=True, editable=False)
    target_scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)
    target_sent_at = models.DateTimeField(_("sent to the target"), null=True, blank=True)
    target_error = models.CharField(_("delivery problem"), max_length=500, blank=True)
    digest = models.ForeignKey(
        "TargetDigest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="letters",
        verbose_name=_("digest"),
    )

    class Meta(Participation.Meta):
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        permissions = [("moderate_letter", _("Can approve or refuse held letters"))]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "email_hash"], name="one_letter_per_email_per_action"
            ),
        ]
        indexes = [
            models.Index(fields=["action", "state", "counted"], name="letter_count_idx"),
            models.Index(fields=["target_email", "target_scheduled_at"], name="letter_window_idx"),
            models.Index(fields=["action", "target_status"], name="letter_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"Letter #{self.pk} on {self.action_id}"


class TargetDigest(models.Model):
    """One email bundling a day's letters of one action to the target's address."""

    action = models.ForeignKey(
        LetterAction, on_delete=models.CASCADE, related_name="digests", verbose_name=_("action")
    )
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("made"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("delivery problem"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")

    def __str__(self) -> str:
        return f"Digest #{self.pk} to {self.email}"


class Call(Participation):
    """A supporter's report that they called the office, with how it went.

    Counted when made (the call was the act). The email is optional: without it the report
    has no supporter and is counted by country only. With it, a confirmation link goes to
    the address, and only once it is followed (``confirmed_at``) may the caller be named to
    the official or kept informed.
    """

    class Outcome(models.TextChoices):
        ANSWERED = "answered", _("Someone answered")
        VOICEMAIL = "voicemail", _("I left a voicemail")
        REFUSED = "refused", _("They refused to listen")

    action = models.ForeignKey(
        CallAction, on_delete=models.CASCADE, related_name="calls", verbose_name=_("action")
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome)
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="calls",
        verbose_name=_("supporter"),
        null=True,
        blank=True,
    )
    email_hash = models.CharField(_("email hash"), max_length=64, blank=True)

    class Meta(Participation.Meta):
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "email_hash"],
                condition=~models.Q(email_hash=""),
                name="one_call_per_email_per_action",
            ),
        ]
        indexes = [
            models.Index(fields=["action", "state", "counted"], name="call_count_idx"),
        ]

    def __str__(self) -> str:
        return f"Call #{self.pk} on {self.action_id}"
