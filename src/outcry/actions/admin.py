import csv

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from outcry.actions import content, counting, letters, selectors, services
from outcry.actions.models import (
    BlockedSource,
    Call,
    CallAction,
    Letter,
    LetterAction,
    OfflineSignatures,
    Petition,
    Signature,
    TargetDigest,
)
from outcry.actions.pdf import letter_pack_pdf
from outcry.core.audit import audit_record
from outcry.core.content import form_fields
from outcry.core.crypto import can_unseal
from outcry.core.stepup import step_up_required_action
from outcry.supporters.selectors import supporter_personal_data


class OfflineSignaturesInline(admin.TabularInline):
    """Paper signatures: added as a number with a source; kept as written (a mistake is
    deleted and added again), so the petition's total always equals the rows."""

    model = OfflineSignatures
    extra = 1
    fields = ["count", "country", "source", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ActionWrites:
    """The admin builds the form; the write, its audit row and the search index are
    ``actions.content``'s, the same for every kind of action."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            content.action_update(action=obj, fields=form_fields(form), actor=request.user)
            return
        saved = content.action_create(model=type(obj), fields=form_fields(form), actor=request.user)
        obj.pk = saved.pk
        obj._state.adding = False
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj) -> None:
        content.action_delete(action=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for action in queryset:
            content.action_delete(action=action, actor=request.user)


@admin.register(Petition)
class PetitionAdmin(ActionWrites, TranslationAdmin):
    list_display = [
        "title",
        "case",
        "office",
        "status",
        "signing_paused",
        "count",
        "goal",
    ]
    list_filter = ["status", "signing_paused"]
    list_editable = ["signing_paused"]
    search_fields = ["title", "slug", "reference"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["case", "office"]
    readonly_fields = ["count", "offline_count", "counted_at"]
    inlines = [OfflineSignaturesInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "reference", "case", "stands_without_case", "office"]}),
        (_("Text"), {"fields": ["ask", "background"]}),
        (
            _("Signing"),
            {
                "fields": [
                    "status",
                    "goal",
                    "closes_at",
                    "signing_paused",
                    "count",
                    "offline_count",
                    "counted_at",
                ]
            },
        ),
        (_("Signers' data"), {"fields": ["retention_days", "anonymised_at"]}),
    ]
    actions = ["recount"]

    def save_formset(self, request: HttpRequest, form, formset, change) -> None:
        if formset.model is not OfflineSignatures:
            return super().save_formset(request, form, formset, change)
        # Through the services, which keep the petition's offline total in step.
        for row in formset.save(commit=False):
            if row.pk is None:
                services.offline_signatures_add(
                    petition=form.instance,
                    count=row.count,
                    source=row.source,
                    country=row.country,
                    actor=request.user,
                )
        for row in formset.deleted_objects:
            services.offline_signatures_remove(row=row, actor=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "anonymised_at"]

    @admin.action(description=_("Recount signatures from scratch"))
    def recount(self, request: HttpRequest, queryset) -> None:
        for petition in queryset:
            services.petition_recount(petition=petition)
            audit_record(actor=request.user, event="actions.petition.recounted", obj=petition)
        self.message_user(request, _("Recounted."), messages.SUCCESS)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: str) -> str:
    """Supporters type their names: a cell starting with = + - @ (or a tab or CR) would run
    as a formula when staff open the export in a spreadsheet, so it is quoted as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@admin.register(Signature)
class SignatureAdmin(admin.ModelAdmin):
    """Signatures without their personal data; names and emails only through an audited
    export, for those allowed to export."""

    list_display = [
        "id",
        "petition",
        "state",
        "flag_reason",
        "source",
        "ip_hash",
        "country",
        "language",
        "created_at",
        "confirmed_at",
        "validated_at",
    ]
    list_filter = ["state", "petition", "flag_reason"]
    list_select_related = ["petition"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Signature._meta.fields]
    actions = [
        "validate_signatures",
        "invalidate_signatures",
        "block_ip_hashes",
        "export_csv",
    ]
    show_full_result_count = False
    change_list_template = "admin/actions/signature/change_list.html"
    # The groups above the list link to one source: its hashed IP bucket and ?source=.
    _GROUP_LOOKUPS = {"ip_hash", "source"}

    def lookup_allowed(self, lookup: str, value: str, request=None) -> bool:
        return lookup in self._GROUP_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def changelist_view(self, request: HttpRequest, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "flagged_groups": selectors.flagged_signature_groups(),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("actions.moderate_signature")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("actions.export_signature")

    @admin.action(
        description=_("Validate selected signatures (they will be counted)"),
        permissions=["moderate"],
    )
    def validate_signatures(self, request: HttpRequest, queryset) -> None:
        changed = services.signatures_moderate(
            signatures=queryset, validate=True, actor=request.user
        )
        self.message_user(
            request,
            _(
                "%d signature(s) validated. Those whose address nobody confirmed are pending "
                "again (emailed if they never were) and count once confirmed."
            )
            % changed,
        )

    @admin.action(
        description=_("Block the IP hashes of the selected signatures (for today)"),
        permissions=["moderate"],
    )
    def block_ip_hashes(self, request: HttpRequest, queryset) -> None:
        hashes = set(queryset.exclude(ip_hash="").values_list("ip_hash", flat=True))
        known = set(
            BlockedSource.objects.filter(
                kind=BlockedSource.Kind.IP_HASH, value__in=hashes
            ).values_list("value", flat=True)
        )
        for value in sorted(hashes - known):
            services.blocked_source_add(
                kind=BlockedSource.Kind.IP_HASH,
                value=value,
                reason="blocked from the signatures list",
                actor=request.user,
            )
        self.message_user(request, _("%d address(es) blocked.") % len(hashes - known))

    @admin.action(
        description=_("Invalidate selected signatures (they will not count)"),
        permissions=["moderate"],
    )
    def invalidate_signatures(self, request: HttpRequest, queryset) -> None:
        changed = services.signatures_moderate(
            signatures=queryset, validate=False, actor=request.user
        )
        self.message_user(request, _("%d signature(s) invalidated.") % changed)

    @admin.action(
        description=_("Export selected signatures with names (CSV, audited)"),
        permissions=["export"],
    )
    @step_up_required_action
    def export_csv(self, request: HttpRequest, queryset):
        if not self.has_export_permission(request):
            raise PermissionDenied
        if not can_unseal():
            # Found out before the download starts, not as a broken file halfway through.
            self.message_user(
                request,
                _("This server holds no private key: personal data cannot be exported here."),
                messages.ERROR,
            )
            return None
        audit_record(
            actor=request.user,
            event="actions.signature.exported",
            extra={
                "format": "csv",
                "count": queryset.count(),
                "petition_ids": sorted(set(queryset.values_list("petition_id", flat=True))),
                "filters": sorted(request.GET.items()),
            },
        )
        rows = queryset.select_related("supporter", "petition").iterator(chunk_size=2000)
        writer = csv.writer(_Echo())

        def stream():
            yield writer.writerow(
                [
                    "petition",
                    "state",
                    "first_name",
                    "last_name",
                    "email",
                    "country",
                    "signed",
                    "validated",
                ]
            )
            for signature in rows:
                person = supporter_personal_data(supporter=signature.supporter)
                yield writer.writerow(
                    [
                        signature.petition.slug,
                        signature.state,
                        _csv_safe(person.get("first_name", "")),
                        _csv_safe(person.get("last_name", "")),
                        _csv_safe(person.get("email", "")),
                        signature.country.code,
                        signature.created_at.isoformat(),
                        signature.validated_at.isoformat() if signature.validated_at else "",
                    ]
                )

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="signatures.csv"'
        return response


@admin.register(BlockedSource)
class BlockedSourceAdmin(admin.ModelAdmin):
    """Email domains and hashed IPs blocked from signing; added and lifted through the
    audited services, never edited in place."""

    list_display = ["kind", "value", "reason", "added_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]
    fields = ["kind", "value", "reason", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: BlockedSource, form, change: bool) -> None:
        saved = services.blocked_source_add(
            kind=obj.kind, value=obj.value, reason=obj.reason, actor=request.user
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: BlockedSource) -> None:
        services.blocked_source_remove(blocked=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for blocked in queryset:
            services.blocked_source_remove(blocked=blocked, actor=request.user)


class LetterPackForm(ActionForm):
    """Options for the letter pack, next to the admin's action menu."""

    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES, required=False)
    copies = forms.IntegerField(
        label=_("copies"), min_value=1, max_value=500, initial=1, required=False
    )
    paper = forms.ChoiceField(
        label=_("paper"), choices=[("a4", "A4"), ("letter", "US Letter")], required=False
    )


@admin.register(LetterAction)
class LetterActionAdmin(ActionWrites, TranslationAdmin):
    list_display = ["title", "kind", "case", "office", "status", "count", "target_address"]
    list_filter = ["kind", "status", "digest"]
    search_fields = ["title", "slug", "reference"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["case", "office"]
    readonly_fields = ["count", "counted_at", "target_address", "queued_letters"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "kind",
                    "title",
                    "slug",
                    "reference",
                    "case",
                    "stands_without_case",
                    "office",
                    "status",
                    "closes_at",
                    "retention_days",
                ]
            },
        ),
        (_("Text"), {"fields": ["background", "subject", "body", "editable", "max_length"]}),
        (
            _("Routes"),
            {"fields": ["route_email", "route_print", "route_mailto"]},
        ),
        (
            _("Sending to the target"),
            {
                "fields": [
                    "hourly_cap",
                    "daily_cap",
                    "digest",
                    "moderate_edited",
                    "target_address",
                    "queued_letters",
                ],
                "description": _(
                    "Caps count every email to the office's address in the last hour and "
                    "day, over all actions."
                ),
            },
        ),
        (_("Count"), {"fields": ["count", "counted_at"]}),
    ]
    action_form = LetterPackForm
    actions = ["letter_pack", "recount", "resume_sending"]

    @admin.display(description=_("target's email"))
    def target_address(self, action: LetterAction) -> str:
        office = action.office
        if not office.email:
            return str(_("none: post and call only"))
        if office.email_bounced_at:
            return str(
                _("%(email)s BOUNCED on %(when)s: %(reason)s")
                % {
                    "email": office.email,
                    "when": office.email_bounced_at.strftime("%Y-%m-%d %H:%M"),
                    "reason": office.email_bounce_reason,
                }
            )
        return office.email

    @admin.display(description=_("letters waiting to be sent"))
    def queued_letters(self, action: LetterAction) -> int:
        return action.letters.filter(target_status=Letter.TargetStatus.QUEUED).count()

    @admin.action(description=_("Letter pack PDF (one letter per page, to sign)"))
    def letter_pack(self, request: HttpRequest, queryset):
        language = request.POST.get("language") or settings.LANGUAGE_CODE
        copies = int(request.POST.get("copies") or 1)
        copies = max(1, min(copies, 500))
        paper = request.POST.get("paper") or "a4"
        data = letter_pack_pdf(
            actions=queryset.select_related("office").order_by("pk"),
            language=language,
            copies=copies,
            paper=paper,
        )
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="letter-pack-{language}.pdf"'
        return response

    @admin.action(description=_("Recount from scratch"))
    def recount(self, request: HttpRequest, queryset) -> None:
        for action in queryset:
            counting.action_recount(kind="letter", action_id=action.pk)
            audit_record(actor=request.user, event="actions.letteraction.recounted", obj=action)
        self.message_user(request, _("Recounted."), messages.SUCCESS)

    @admin.action(description=_("Send again the letters refused after a bounce"))
    def resume_sending(self, request: HttpRequest, queryset) -> None:
        for action in queryset:
            letters.letters_resume(action=action, actor=request.user)
        self.message_user(
            request,
            _("Queued again; they go once the office's address is corrected."),
            messages.SUCCESS,
        )


class _ParticipationAdmin(admin.ModelAdmin):
    """Without personal data: what supporters wrote stays sealed here."""

    list_filter = ["state", "action"]
    list_select_related = ["action"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "personal_data"]

    def get_exclude(self, request, obj=None):
        return ["personal_data", "supporter"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Letter)
class LetterAdmin(_ParticipationAdmin):
    """Letters without their writers' names. A moderator reviewing a held letter reads its
    text (not the name, city or address) on the letter's page; each opening is audited."""

    list_display = [
        "id",
        "action",
        "state",
        "route",
        "target_status",
        "held_because",
        "country",
        "created_at",
        "target_sent_at",
        "target_error",
    ]
    list_filter = ["target_status", "held_because", "state", "route", "action"]
    actions = ["approve_held", "refuse_held"]

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("actions.moderate_letter")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and self._may_review(request, obj):
            fields = ["held_text", *fields]
        return fields

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if "held_text" in fields:
            fields = ["held_text", *(f for f in fields if f != "held_text")]
        return fields

    def _may_review(self, request: HttpRequest, letter: Letter) -> bool:
        return (
            letter.target_status == Letter.TargetStatus.HELD
            and letter.edited
            and self.has_moderate_permission(request)
            and can_unseal()
        )

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        letter = self.get_object(request, object_id)
        if letter is not None and self._may_review(request, letter):
            # The page about to be shown holds what the supporter wrote.
            audit_record(
                actor=request.user,
                event="actions.letter.viewed",
                obj=letter,
                extra={"for": "review"},
            )
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("letter as written (held for review)"))
    def held_text(self, letter: Letter) -> str:
        return letters.letter_held_text(letter=letter)

    @admin.action(
        description=_("Approve selected held letters (they go to the target)"),
        permissions=["moderate"],
    )
    def approve_held(self, request: HttpRequest, queryset) -> None:
        changed = letters.letters_moderate(letters=queryset, approve=True, actor=request.user)
        self.message_user(request, _("%d held letter(s) approved.") % changed)

    @admin.action(
        description=_("Refuse selected held letters (never sent, not counted)"),
        permissions=["moderate"],
    )
    def refuse_held(self, request: HttpRequest, queryset) -> None:
        changed = letters.letters_moderate(letters=queryset, approve=False, actor=request.user)
        self.message_user(request, _("%d held letter(s) refused.") % changed)


@admin.register(Call)
class CallAdmin(_ParticipationAdmin):
    list_display = ["id", "action", "state", "outcome", "country", "confirmed_at", "created_at"]
    list_filter = ["state", "outcome", "action"]


@admin.register(CallAction)
class CallActionAdmin(ActionWrites, TranslationAdmin):
    list_display = ["title", "case", "office", "status", "count"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "reference"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["case", "office"]
    readonly_fields = ["count", "counted_at"]
    fields = [
        "title",
        "slug",
        "reference",
        "case",
        "stands_without_case",
        "office",
        "status",
        "closes_at",
        "retention_days",
        "background",
        "script",
        "count",
        "counted_at",
    ]
    actions = ["recount"]

    @admin.action(description=_("Recount from scratch"))
    def recount(self, request: HttpRequest, queryset) -> None:
        for action in queryset:
            counting.action_recount(kind="call", action_id=action.pk)
            audit_record(actor=request.user, event="actions.callaction.recounted", obj=action)
        self.message_user(request, _("Recounted."), messages.SUCCESS)


@admin.register(TargetDigest)
class TargetDigestAdmin(admin.ModelAdmin):
    list_display = ["id", "action", "email", "created_at", "sent_at", "error"]
    readonly_fields = ["action", "email", "created_at", "sent_at", "error"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
