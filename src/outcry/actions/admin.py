import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from outcry.actions import services
from outcry.actions.models import Petition, Signature
from outcry.core.audit import audit_record
from outcry.core.crypto import can_unseal
from outcry.core.models import AuditEvent
from outcry.supporters.selectors import supporter_personal_data


@admin.register(Petition)
class PetitionAdmin(TranslationAdmin):
    list_display = [
        "title",
        "case",
        "target",
        "status",
        "signing_paused",
        "signature_count",
        "goal",
    ]
    list_filter = ["status", "signing_paused"]
    list_editable = ["signing_paused"]
    search_fields = ["title", "slug", "reference"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["case", "target"]
    readonly_fields = ["signature_count", "counted_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "reference", "case", "target"]}),
        (_("Text"), {"fields": ["ask", "body"]}),
        (
            _("Signing"),
            {
                "fields": [
                    "status",
                    "goal",
                    "closes_at",
                    "signing_paused",
                    "signature_count",
                    "counted_at",
                ]
            },
        ),
        (_("Signers' data"), {"fields": ["retention_days", "anonymised_at"]}),
    ]
    actions = ["recount"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return [*super().get_readonly_fields(request, obj), "anonymised_at"]

    def save_model(self, request: HttpRequest, obj: Petition, form, change: bool) -> None:
        # Retention counts from the closing date: closing by status records it.
        if obj.status == Petition.Status.CLOSED and obj.closes_at is None:
            obj.closes_at = timezone.now()
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Recount signatures from scratch"))
    def recount(self, request: HttpRequest, queryset) -> None:
        for petition in queryset:
            services.petition_recount(petition=petition)
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
        "country",
        "language",
        "created_at",
        "validated_at",
    ]
    list_filter = ["state", "petition", "flag_reason"]
    list_select_related = ["petition"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Signature._meta.fields]
    actions = ["validate_signatures", "invalidate_signatures", "export_csv"]
    show_full_result_count = False

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
        self.message_user(request, _("%d signature(s) validated.") % changed)

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
            action=AuditEvent.Action.EXPORT,
            object_type="actions.signature",
            detail=f"CSV export of {queryset.count()} signature(s)",
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
