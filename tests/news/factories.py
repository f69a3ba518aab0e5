"""Factories for news tests: topics and posts, published by default."""

import factory
from django.utils import timezone

from outcry.news.models import Post, Topic


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    slug = factory.Sequence(lambda n: f"topic-{n}")
    name = factory.Sequence(lambda n: f"Topic {n}")


class PostFactory(factory.django.DjangoModelFactory):
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
    published_at = factory.Sequence(lambda n: timezone.now() - timezone.timedelta(days=n + 1))

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
            from outcry.news.services import post_actions_set

            post_actions_set(post=self, actions=extracted)

    @factory.post_generation
    def actions(self, create, extracted, **kwargs):
        """Actions of any kind in the post's "take action" box."""
        if create and extracted:
            from outcry.news.services import post_actions_set

            post_actions_set(post=self, actions=extracted)

    @factory.post_generation
    def indexed(self, create, extracted, **kwargs):
        """Posts made by the factory are indexed for search as the save paths would."""
        if create:
            from outcry.news.services import post_saved

            post_saved(post=self)
