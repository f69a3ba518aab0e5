import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.cases.models import Case
from outcry.core.fields import SealedTextField
from outcry.news.models import Topic
from outcry.supporters.models import Supporter


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> "SubscriptionQuerySet":
        return self.filter(confirmed_at__isnull=False, ended_at__isnull=True)


class Subscription(models.Model):
    """A supporter's wish to hear about one country, topic or case, by email.

    Pending until the emailed link is followed (double opt-in); ended, not deleted, when
    they turn it off (a later subscribe reopens the same row).
    """

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country")
        TOPIC = "topic", _("Topic")
        CASE = "case", _("Case")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        verbose_name=_("supporter"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind)
    country = CountryField(_("country"), blank=True, db_index=True)
    topic = models.ForeignKey(
        Topic,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("topic"),
    )
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
        verbose_name=_("case"),
    )
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    # Claimed by the worker while it sends the confirmation (see core.mail.send_once).
    confirmation_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["supporter", "country"],
                condition=Q(kind="country"),
                name="one_subscription_per_supporter_country",
            ),
            models.UniqueConstraint(
                fields=["supporter", "topic"],
                condition=Q(kind="topic"),
                name="one_subscription_per_supporter_topic",
            ),
            models.UniqueConstraint(
                fields=["supporter", "case"],
                condition=Q(kind="case"),
                name="one_subscription_per_supporter_case",
            ),
            # Exactly the scope its kind names is set.
            models.CheckConstraint(
                condition=(
                    Q(kind="country", topic__isnull=True, case__isnull=True) & ~Q(country="")
                )
                | Q(kind="topic", topic__isnull=False, case__isnull=True, country="")
                | Q(kind="case", case__isnull=False, topic__isnull=True, country=""),
                name="subscription_scope_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        about = self.case.name if self.kind == self.Kind.CASE else self.subject
        return f"{self.get_kind_display()}: {about}"

    @property
    def subject(self) -> str:
        """What it is about, as shown to the supporter (country, topic or case name).

        A case that is not published is never named: preference pages and emails can be
        forwarded, and the case may have been hidden to protect the person.
        """
        if self.kind == self.Kind.COUNTRY:
            return str(self.country.name)
        if self.kind == self.Kind.TOPIC:
            return self.topic.name
        if not self.case.is_published:
            return str(_("a case that is not public at the moment"))
        return self.case.name

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.ended_at is None


class SubscriptionRequest(models.Model):
    """A subscribe form as it was sent, waiting for the worker.

    The web request only writes this row (and its task), the same write whatever the
    address's state, so neither its answer nor its timing tells whether the address is new,
    already subscribed or suppressed. The worker, which alone can open the sealed address,
    decides what to do and deletes the row.
    """

    # The address and first name, sealed together (see core.crypto).
    personal_data = SealedTextField(_("personal data (sealed)"))
    language = models.CharField(_("language of the emails"), max_length=10)
    kind = models.CharField(_("kind"), max_length=8, choices=Subscription.Kind)
    country = CountryField(_("country"), blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("topic")
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("case")
    )
    # The consent as shown beside the button: kept as a consent record if a subscription
    # is asked for.
    consent_wording = models.TextField(_("exact wording shown"))
    consent_version = models.CharField(_("wording version"), max_length=50)
    consent_language = models.CharField(_("language of the wording"), max_length=10)
    source_url = models.CharField(_("page"), max_length=500)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("subscription request")
        verbose_name_plural = _("subscription requests")

    def __str__(self) -> str:
        return f"Subscription request #{self.pk}"
