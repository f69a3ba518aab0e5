"""Solidarity actions, the moderation queue of their messages, and the printable packs.

A message's words are sealed: the queue opens them for the moderator (the staff tier holds
the private key) and writes one audit row per page of the queue read. Moderators change a
message only through the audited bulk actions; a pack's handover only through its service.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import truncatechars
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from outcry.actions.admin import ActionWrites
from outcry.core.audit import audit_record
from outcry.core.crypto import can_unseal, unseal
from outcry.core.stepup import step_up_required
from outcry.solidarity import packs, services
from outcry.solidarity.models import (
    Handover,
    SolidarityAction,
    SolidarityMessage,
    SolidarityPack,
)

MODERATE = "solidarity.moderate_solidarity_message"


@admin.register(SolidarityAction)
class SolidarityActionAdmin(ActionWrites, TranslationAdmin):
    list_display = ["title", "case", "recipient", "status", "count", "show_on_case_page"]
    list_filter = ["status", "show_on_case_page"]
    search_fields = ["title", "recipient", "reference", "slug"]
    prepopulated_fields = {"slug": ("title",)}
    fields = [
        "case",
        "title",
        "slug",
        "reference",
        "recipient",
        "background",
        "max_length",
        "show_on_case_page",
        "status",
        "closes_at",
        "retention_days",
        "stands_without_case",
        "count",
        "counted_at",
    ]
    readonly_fields = ["count", "counted_at"]
    actions = ["make_pack"]

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        super().save_model(request, obj, form, change)  # the audited content services
        if "show_on_case_page" in form.changed_data:
            services.action_display_sync(action=obj, actor=request.user)

    def has_pack_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("solidarity.add_solidaritypack")

    @admin.action(
        description=_("Make a printable pack of the approved messages"), permissions=["pack"]
    )
    def make_pack(self, request: HttpRequest, queryset: QuerySet[SolidarityAction]) -> None:
        for action in queryset:
            packs.pack_request(action=action, language=get_language(), actor=request.user)
        self.message_user(
            request,
            _("The packs are being generated; the solidarity packs list shows them once ready."),
            messages.SUCCESS,
        )


@admin.register(SolidarityMessage)
class SolidarityMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "excerpt",
        "action",
        "message_language",
        "country",
        "moderation",
        "confirmed",
        "held_reason",
        "created_at",
    ]
    list_display_links = ["id"]
    list_filter = ["moderation", "state", "message_language", "action"]
    list_select_related = ["action"]
    date_hierarchy = "created_at"
    fields = [
        "action",
        "opened",
        "message_language",
        "country",
        "state",
        "moderation",
        "held_reason",
        "flag_reason",
        "created_at",
        "confirmed_at",
        "moderated_at",
        "moderated_by",
    ]
    readonly_fields = fields
    actions = ["approve", "reject"]
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        # The list opens the sealed words of the page shown: one audit row per page read.
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and changelist.result_list:
            audit_record(
                actor=request.user,
                event="solidarity.solidaritymessage.viewed",
                objects=list(changelist.result_list),
                extra={"in": "moderation queue"},
            )
        return response

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                actor=request.user,
                event="solidarity.solidaritymessage.viewed",
                extra={"ids": [int(object_id)]},
            )
        return response

    @staticmethod
    def _words(obj: SolidarityMessage) -> dict:
        # A server without the private key lists the queue without the words.
        return unseal(obj.personal_data) if obj.personal_data and can_unseal() else {}

    @admin.display(description=_("message"))
    def excerpt(self, obj: SolidarityMessage) -> str:
        return truncatechars(self._words(obj).get("message", ""), 120)

    @admin.display(description=_("message and first name"))
    def opened(self, obj: SolidarityMessage) -> str:
        words = self._words(obj)
        return format_html(
            "<blockquote>{}</blockquote><p>— {}</p>",
            words.get("message", ""),
            words.get("first_name", ""),
        )

    @admin.display(description=_("address confirmed"), boolean=True)
    def confirmed(self, obj: SolidarityMessage) -> bool:
        return obj.confirmed_at is not None

    @admin.action(
        description=_("Approve selected messages (counted, printed, and shown if chosen)"),
        permissions=["moderate"],
    )
    def approve(self, request: HttpRequest, queryset: QuerySet[SolidarityMessage]) -> None:
        changed = services.messages_approve(messages=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%d message approved. Messages whose address is not confirmed wait for it.",
                "%d messages approved. Messages whose address is not confirmed wait for it.",
                changed,
            )
            % changed,
        )

    @admin.action(
        description=_("Reject selected messages (never counted, shown or printed)"),
        permissions=["moderate"],
    )
    def reject(self, request: HttpRequest, queryset: QuerySet[SolidarityMessage]) -> None:
        changed = services.messages_reject(messages=queryset, actor=request.user)
        self.message_user(
            request, ngettext("%d message rejected.", "%d messages rejected.", changed) % changed
        )


class HandoverForm(forms.ModelForm):
    class Meta:
        model = SolidarityPack
        fields = ["handed_over_to", "handed_over_on", "handover_note"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("handed_over_to", "handed_over_on"):
            if name in self.fields:
                self.fields[name].required = True
        if "handed_over_to" in self.fields:
            self.fields["handed_over_to"].choices = [("", "---------"), *Handover.choices]


@admin.register(SolidarityPack)
class SolidarityPackAdmin(admin.ModelAdmin):
    form = HandoverForm
    list_display = [
        "id",
        "action",
        "status",
        "message_count",
        "languages",
        "requested_by",
        "requested_at",
        "handed_over_to",
        "handed_over_on",
    ]
    list_filter = ["status", "handed_over_to"]
    list_select_related = ["action", "requested_by"]
    _INFO = [
        "action",
        "status",
        "error",
        "file",
        "message_count",
        "languages",
        "language",
        "requested_by",
        "requested_at",
        "generated_at",
    ]
    _HANDOVER = ["handed_over_to", "handed_over_on", "handover_note"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        return [*self._INFO, *self._HANDOVER, "handed_over_by"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        open_for_handover = (
            obj is not None and obj.status == SolidarityPack.Status.READY and not obj.handed_over_to
        )
        if open_for_handover:
            return [*self._INFO, "handed_over_by"]
        return [*self._INFO, *self._HANDOVER, "handed_over_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # made from the solidarity actions list

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        data = form.cleaned_data
        packs.pack_record_handover(
            pack=obj,
            to=data["handed_over_to"],
            on=data["handed_over_on"],
            note=data.get("handover_note", ""),
            actor=request.user,
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="solidarity_solidaritypack_download",
            ),
        ] + super().get_urls()

    @admin.display(description=_("file"))
    def file(self, pack: SolidarityPack) -> str:
        if pack.status != SolidarityPack.Status.READY or not pack.pdf:
            return "—"
        return format_html(
            '<a href="{}">{}</a><br><small>{}</small>',
            reverse("admin:solidarity_solidaritypack_download", args=[pack.pk]),
            _("Download the PDF"),
            _("Each download is recorded in the audit log: the pack holds writers' words."),
        )

    @step_up_required
    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not request.user.has_perm("solidarity.download_solidaritypack"):
            raise PermissionDenied
        pack = get_object_or_404(SolidarityPack, pk=pk, status=SolidarityPack.Status.READY)
        if not pack.pdf:
            raise PermissionDenied
        return FileResponse(
            packs.pack_open(pack=pack, actor=request.user),
            as_attachment=True,
            filename=f"solidarity-pack-{pack.pk}.pdf",
            content_type="application/pdf",
        )
