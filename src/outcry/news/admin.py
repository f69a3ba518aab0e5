import re

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from modeltranslation.admin import TranslationAdmin

from outcry.actions.admin_forms import ActionLinkForm
from outcry.actions.models import Petition
from outcry.cases.models import Case
from outcry.news import services
from outcry.news.models import Post, PostAction, Topic

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


class PostAdminForm(forms.ModelForm):
    """Refuses control characters in text, and re-encodes an uploaded image without its
    metadata (see ``services.post_image_clean``)."""

    class Meta:
        model = Post
        fields = "__all__"  # noqa: DJ007 - the admin lists its fieldsets itself

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and _CONTROL_RE.search(value):
                self.add_error(
                    name, _("This text contains control characters; please remove them.")
                )
        return cleaned

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return services.post_image_clean(upload=image)
        return image


@admin.register(Topic)
class TopicAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class PostActionForm(ActionLinkForm):
    class Meta:
        model = PostAction
        fields = ["order"]


class PostActionInline(admin.TabularInline):
    """The "take action" box: actions of every kind, public ones shown, in this order."""

    model = PostAction
    form = PostActionForm
    fields = ["chosen", "order"]
    extra = 1


@admin.register(Post)
class PostAdmin(TranslationAdmin):
    form = PostAdminForm
    list_display = ["title", "kind", "published_at", "is_published"]
    list_filter = ["kind", "is_published", "topics"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics", "cases"]
    inlines = [PostActionInline]
    fieldsets = [
        (None, {"fields": ["kind", "title", "slug", "author", "published_at", "is_published"]}),
        (_("Text"), {"fields": ["summary", "body"]}),
        (_("Image"), {"fields": ["image", "image_alt"]}),
        (_("Tags"), {"fields": ["countries", "topics", "cases"]}),
        (_("Comments"), {"fields": ["comment_mode"]}),
    ]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.post_saved(post=form.instance)

    def delete_model(self, request, obj) -> None:
        post_id = obj.pk
        super().delete_model(request, obj)
        services.post_deleted(post_ids=[post_id])

    def delete_queryset(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.post_deleted(post_ids=ids)


# Cases and petitions sit below news and cannot call it; their admins are extended here
# so that every save from the admin refreshes the search index (no signals).
class _CaseIndexing:
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.case_saved(case=form.instance)

    def delete_model(self, request, obj) -> None:
        case_id = obj.pk
        super().delete_model(request, obj)
        services.case_deleted(case_ids=[case_id])

    def delete_queryset(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.case_deleted(case_ids=ids)


class _PetitionIndexing:
    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.petition_saved(petition=form.instance)

    def delete_model(self, request, obj) -> None:
        petition_id = obj.pk
        super().delete_model(request, obj)
        services.petition_deleted(petition_ids=[petition_id])

    def delete_queryset(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        super().delete_queryset(request, queryset)
        services.petition_deleted(petition_ids=ids)


def _extend_admin(model, mixin) -> None:
    if not admin.site.is_registered(model):
        return
    current = type(admin.site.get_model_admin(model))
    if issubclass(current, mixin):
        return
    admin.site.unregister(model)
    admin.site.register(
        model, type(f"Indexed{current.__name__}", (mixin, current), {"__module__": __name__})
    )


_extend_admin(Case, _CaseIndexing)
_extend_admin(Petition, _PetitionIndexing)
