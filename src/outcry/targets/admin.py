from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from outcry.targets.models import Target


@admin.register(Target)
class TargetAdmin(TranslationAdmin):
    list_display = ["name", "office", "organisation", "country"]
    list_filter = ["country"]
    search_fields = ["name", "office", "organisation"]
