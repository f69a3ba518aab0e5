"""Factories for the comments tests: posts made directly, comments through the model."""

import factory
from django.utils import timezone

from outcry.comments.models import BlockedTerm, Comment
from outcry.core.crypto import email_hash, seal
from outcry.news.models import Post


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post

    slug = factory.Sequence(lambda n: f"post-{n}")
    title = factory.Sequence(lambda n: f"Five updates, part {n}")
    kind = Post.Kind.ARTICLE
    is_published = True
    published_at = factory.LazyFunction(lambda: timezone.now() - timezone.timedelta(hours=1))
    comment_mode = Post.CommentMode.POST_MODERATED

    class Params:
        pre = factory.Trait(comment_mode=Post.CommentMode.PRE_MODERATED)
        closed = factory.Trait(comment_mode=Post.CommentMode.CLOSED)


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    class Params:
        email = ""

    post = factory.SubFactory(PostFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    body = "Sad world"
    language = "en"
    state = Comment.State.APPROVED
    email_sealed = factory.LazyAttribute(lambda o: seal({"email": o.email}) if o.email else "")
    email_hash = factory.LazyAttribute(lambda o: email_hash(o.email) if o.email else "")


class BlockedTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedTerm

    term = "casino"
    kind = BlockedTerm.Kind.WORD
    effect = BlockedTerm.Effect.HOLD
