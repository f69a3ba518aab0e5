"""Factories for the tests: build what a test needs, nothing hard-coded in fixtures."""

from datetime import date

import factory
from django.utils import timezone

from outcry.actions.models import Petition
from outcry.cases.models import Case, CaseStatus
from outcry.news.models import Post, Topic
from outcry.news.services import post_actions_set, post_saved
from outcry.targets.models import Office, Target, Tenure


class TargetFactory(factory.django.DjangoModelFactory):
    """A person who may hold an office."""

    class Meta:
        model = Target

    honorific = "Minister"
    salutation = "Your Excellency"
    name = factory.Sequence(lambda n: f"Official {n}")
    key = factory.Sequence(lambda n: f"official-{n}")


class OfficeFactory(factory.django.DjangoModelFactory):
    """An office; ``OfficeFactory(holder=target)`` also gives it a holder since 2020."""

    class Meta:
        model = Office
        skip_postgeneration_save = True

    key = factory.Sequence(lambda n: f"office-{n}")
    title = factory.Sequence(lambda n: f"Minister of Office {n}")
    organisation = "Ministry"
    address = "Smolenskaya-Sennaia pl. 32/34\n119200 Moscow"
    country = "RU"
    phone = "+7 495 644 2203"
    timezone = "Europe/Moscow"

    @factory.post_generation
    def holder(office, create, extracted, **kwargs):
        if create and extracted is not None:
            Tenure.objects.create(office=office, target=extracted, started_on=date(2020, 1, 1))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    slug = factory.Sequence(lambda n: f"case-{n}")
    name = factory.Sequence(lambda n: f"Person {n}")
    country = "RU"
    status = CaseStatus.AT_RISK
    is_published = True


class PetitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Petition

    slug = factory.Sequence(lambda n: f"petition-{n}")
    title = factory.Sequence(lambda n: f"Free person {n}")
    title_fr = factory.LazyAttribute(lambda o: f"Libérez {o.title}")
    ask = "Release them now."
    case = factory.SubFactory(CaseFactory)
    office = factory.LazyFunction(lambda: OfficeFactory(holder=TargetFactory()))
    goal = 1000
    status = Petition.Status.OPEN

    class Params:
        closed = factory.Trait(status=Petition.Status.CLOSED)
        expired = factory.Trait(
            closes_at=factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(days=1))
        )


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class PostFactory(factory.django.DjangoModelFactory):
    """A published news post, comments closed as a new post's are.

    ``commentable=True`` opens it to post-moderated comments (known commenters show at
    once), ``pre=True`` to pre-moderated ones (every comment waits for a moderator);
    ``closed=True`` says the default out loud. Topics, cases and petitions are lists.
    """

    class Meta:
        model = Post
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"post-{n}")
    kind = Post.Kind.STATEMENT
    title = factory.Sequence(lambda n: f"Statement number {n}")
    summary = "A short summary."
    body = "The body of the statement."
    countries = ["RU"]
    is_published = True
    # Each post a day older than the one before: a stable order on list pages.
    published_at = factory.Sequence(lambda n: timezone.now() - timezone.timedelta(days=n + 1))
    comment_mode = Post.CommentMode.CLOSED

    class Params:
        commentable = factory.Trait(comment_mode=Post.CommentMode.POST_MODERATED)
        pre = factory.Trait(comment_mode=Post.CommentMode.PRE_MODERATED)
        closed = factory.Trait(comment_mode=Post.CommentMode.CLOSED)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)

    @factory.post_generation
    def cases(self, create, extracted, **kwargs):
        if create and extracted:
            self.cases.set(extracted)

    @factory.post_generation
    def petitions(self, create, extracted, **kwargs):
        """Petitions (or actions of any kind) in the post's "take action" box."""
        if create and extracted:
            post_actions_set(post=self, actions=extracted)

    @factory.post_generation
    def actions(self, create, extracted, **kwargs):
        """Actions of any kind in the post's "take action" box."""
        if create and extracted:
            post_actions_set(post=self, actions=extracted)

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        """Posts made by the factory are indexed for search as the save paths would."""
        if create:
            post_saved(post=self)


# The registered action kinds this module makes (see tests/test_action_registry.py): the
# action's factory, and what a participation needs beyond what every participation has.
ACTION_KIND_FACTORIES = {"petition": (PetitionFactory, {})}
