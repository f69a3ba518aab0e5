import re

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from modeltranslation.admin import TranslationAdmin

from outcry.actions.admin_forms import ActionLinkForm
from outcry.core.content import form_fields
from outcry.news import services
from outcry.news.models import Post, PostAction, Topic

_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_TAGS = ("topics", "cases")


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

    # The admin builds the form; the write (fields and tags), its audit row and the search
    # index are the services'.
    def save_model(self, request, obj: Post, form, change: bool) -> None:
        fields = form_fields(form)
        tags = {name: form.cleaned_data[name] for name in _TAGS if name in form.cleaned_data}
        if change:
            services.post_update(post=obj, fields=fields, actor=request.user, **tags)
            return
        post = services.post_add(fields=fields, actor=request.user, **tags)
        obj.pk = post.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change) -> None:
        # The tags were written by the service, with the post. The take-action rows are the
        # service's too (audited as one change of the post's "actions"), not the formset's.
        for formset in formsets:
            if formset.model is PostAction:
                services.post_update(
                    post=form.instance,
                    fields={},
                    actor=request.user,
                    actions=_chosen_actions(formset),
                )
                # The admin's change message reads what a formset's save() would have set.
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            else:
                self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj: Post) -> None:
        services.post_delete(post=obj, actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for post in queryset:
            services.post_delete(post=post, actor=request.user)


def _chosen_actions(formset) -> list:
    """The actions the inline's rows name, in their order, without the deleted ones."""
    rows = [
        (row.cleaned_data.get("order") or 0, index, row.cleaned_data["chosen"])
        for index, row in enumerate(formset.forms)
        if row.cleaned_data
        and not row.cleaned_data.get("DELETE")
        and row.cleaned_data.get("chosen") is not None
    ]
    return [action for _order, _index, action in sorted(rows, key=lambda row: row[:2])]
