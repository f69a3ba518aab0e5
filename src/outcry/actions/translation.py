from modeltranslation.translator import TranslationOptions, register

from outcry.actions.models import Petition


@register(Petition)
class PetitionTranslationOptions(TranslationOptions):
    fields = ("title", "ask", "body")
