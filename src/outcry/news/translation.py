from modeltranslation.translator import TranslationOptions, register

from outcry.news.models import Post, Topic


@register(Topic)
class TopicTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(Post)
class PostTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body", "image_alt")
