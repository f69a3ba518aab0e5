from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from outcry.actions.registry import action_type
from outcry.cases.models import Case


class Topic(models.Model):
    """A theme news and cases are filed under: "LGBTI rights", "Freedom of expression"."""

    slug = models.SlugField(_("slug"), unique=True, max_length=100)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        return self.name


class PostQuerySet(models.QuerySet):
    def published(self) -> "PostQuerySet":
        return self.filter(is_published=True, published_at__lte=timezone.now())


class Post(models.Model):
    """A statement, news item, article or interview, tagged by country, topic and case."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", _("Statement")
        NEWS = "news", _("News")
        ARTICLE = "article", _("Article")
        INTERVIEW = "interview", _("Interview")

    class CommentMode(models.TextChoices):
        PRE_MODERATED = "pre", _("Pre-moderated: comments appear once approved")
        POST_MODERATED = "post", _("Post-moderated: comments appear at once")
        CLOSED = "closed", _("Closed: no comments")

    slug = models.SlugField(_("slug"), unique=True, max_length=150)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), max_length=1000, blank=True)
    body = models.TextField(_("body (Markdown)"), blank=True)
    author = models.CharField(_("author"), max_length=200, blank=True)
    image = models.ImageField(_("image"), upload_to="posts/%Y/", blank=True)
    image_alt = models.CharField(_("image description (alt text)"), max_length=300, blank=True)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="posts", verbose_name=_("topics")
    )
    cases = models.ManyToManyField(Case, blank=True, related_name="posts", verbose_name=_("cases"))
    # The "take action" box: actions of every kind, as PostAction rows (``action_links``).
    comment_mode = models.CharField(
        _("comments"), max_length=8, choices=CommentMode, default=CommentMode.CLOSED
    )
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("publication date"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("post-detail", kwargs={"slug": self.slug})


class PostAction(models.Model):
    """An action a post asks its readers to take, of any registered kind (named by its
    registry key, so a kind added later needs no change here), in the order staff chose.
    Pages show it only while it is public (``Action.objects.public()``)."""

    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, related_name="action_links", verbose_name=_("post")
    )
    kind = models.CharField(_("kind of action"), max_length=40)
    action_id = models.PositiveIntegerField(_("action"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("take-action link")
        verbose_name_plural = _("take action")
        constraints = [
            models.UniqueConstraint(fields=["post", "kind", "action_id"], name="post_action_once"),
        ]

    def __str__(self) -> str:
        action = self.action
        return str(action) if action is not None else f"{self.kind} #{self.action_id}"

    @property
    def action(self):
        """The action (public or not), or None once it is deleted."""
        return action_type(self.kind).action_model.objects.filter(pk=self.action_id).first()
