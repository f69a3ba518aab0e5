from modeltranslation.translator import TranslationOptions, register

from outcry.solidarity.models import SolidarityAction


@register(SolidarityAction)
class SolidarityActionTranslationOptions(TranslationOptions):
    fields = ("title", "recipient", "background")
