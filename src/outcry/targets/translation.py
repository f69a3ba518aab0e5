from modeltranslation.translator import TranslationOptions, register

from outcry.targets.models import Target


@register(Target)
class TargetTranslationOptions(TranslationOptions):
    fields = ("honorific", "salutation", "office", "organisation")
