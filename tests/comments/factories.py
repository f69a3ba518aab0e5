"""Factories for the comments tests: comments (on a post open to post-moderated comments)
and blocked terms."""

import factory

from outcry.comments.models import BlockedTerm, Comment
from outcry.core.crypto import email_hash, seal
from tests.factories import PostFactory


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    class Params:
        email = ""

    post = factory.SubFactory(PostFactory, commentable=True)
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
