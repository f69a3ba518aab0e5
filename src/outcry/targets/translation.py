from modeltranslation.translator import TranslationOptions, register

from outcry.targets.models import Office, Target


@register(Office)
class OfficeTranslationOptions(TranslationOptions):
    fields = ("title", "organisation", "office_hours")


@register(Target)
class TargetTranslationOptions(TranslationOptions):
    fields = ("honorific", "salutation")
