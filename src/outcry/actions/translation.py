from modeltranslation.translator import TranslationOptions, register

from outcry.actions.models import CallAction, LetterAction, Petition


@register(Petition)
class PetitionTranslationOptions(TranslationOptions):
    fields = ("title", "ask", "background")


@register(LetterAction)
class LetterActionTranslationOptions(TranslationOptions):
    fields = ("title", "background", "subject", "body")


@register(CallAction)
class CallActionTranslationOptions(TranslationOptions):
    fields = ("title", "background", "script")
