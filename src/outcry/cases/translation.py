from modeltranslation.translator import TranslationOptions, register

from outcry.cases.models import Case, CaseUpdate


@register(Case)
class CaseTranslationOptions(TranslationOptions):
    fields = ("occupation", "summary", "description")


@register(CaseUpdate)
class CaseUpdateTranslationOptions(TranslationOptions):
    fields = ("title", "body")
