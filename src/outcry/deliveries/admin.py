from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from outcry.core.stepup import step_up_required
from outcry.deliveries import selectors, services
from outcry.deliveries.models import Delivery, DeliveryPackage, PageSize


class PackageRequestForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"))
    language = forms.ChoiceField(label=_("Language of the cover letter"))
    page_size = forms.ChoiceField(label=_("Page size"), choices=PageSize, initial=PageSize.A4)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = selectors.deliverable_actions()
        self.fields["language"].choices = settings.LANGUAGES

    def clean_action(self):
        action = selectors.action_for_key(self.cleaned_data["action"])
        if action is None:
            raise forms.ValidationError(_("Choose an action addressed to an office."))
        return action


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["delivered_on", "method", "delivered_by", "recipient", "outcome"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeliveryPackage)
class DeliveryPackageAdmin(admin.ModelAdmin):
    list_display = [
        "reference",
        "action_title",
        "office",
        "status",
        "total",
        "named",
        "requested_by",
        "requested_at",
    ]
    list_filter = ["status"]
    search_fields = ["action_title", "pdf_sha256", "csv_sha256", "office__title"]
    inlines = [DeliveryInline]
    fields = [
        "reference",
        "action_title",
        "office",
        "addressee",
        "language",
        "page_size",
        "status",
        "error",
        "requested_by",
        "requested_at",
        "generated_at",
        "total",
        "named",
        "countries",
        "files",
        "pdf_sha256",
        "csv_sha256",
        "erasures_after_delivery",
        "record_delivery",
    ]
    readonly_fields = fields

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/download/<str:kind>/",
                self.admin_site.admin_view(self.download_view),
                name="deliveries_deliverypackage_download",
            ),
        ] + super().get_urls()

    @admin.display(description=_("reference"))
    def reference(self, package: DeliveryPackage) -> str:
        return package.reference

    @admin.display(description=_("files"))
    def files(self, package: DeliveryPackage) -> str:
        if package.status != DeliveryPackage.Status.READY:
            return "—"
        if package.files_deleted_at is not None:
            return _("Deleted after delivery, on %(date)s (the digests stay).") % {
                "date": date_format(timezone.localtime(package.files_deleted_at), "DATE_FORMAT")
            }
        links = [
            (reverse("admin:deliveries_deliverypackage_download", args=[package.pk, kind]), label)
            for kind, label in (("pdf", _("Download the PDF")), ("csv", _("Download the CSV")))
        ]
        return format_html(
            "{}<br><small>{}</small>",
            format_html_join(" · ", '<a href="{}">{}</a>', links),
            _("Each download is recorded in the audit log: the files name supporters."),
        )

    @admin.display(description=_("delivery"))
    def record_delivery(self, package: DeliveryPackage) -> str:
        if package.status != DeliveryPackage.Status.READY:
            return "—"
        url = reverse("admin:deliveries_delivery_add") + f"?package={package.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Record its delivery"))

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        """Generating a package is a request to the worker, not a form to fill in."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PackageRequestForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            package = services.package_request(
                action=form.cleaned_data["action"],
                language=form.cleaned_data["language"],
                page_size=form.cleaned_data["page_size"],
                actor=request.user,
            )
            self.message_user(
                request,
                _("%(package)s is being generated; this page shows it once ready.")
                % {"package": package.reference},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse("admin:deliveries_deliverypackage_change", args=[package.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Generate a delivery package"),
            "form": form,
        }
        return TemplateResponse(request, "deliveries/admin/package_request.html", context)

    @step_up_required
    def download_view(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        if not request.user.has_perm("deliveries.download_deliverypackage"):
            raise PermissionDenied
        package = get_object_or_404(
            DeliveryPackage,
            pk=pk,
            status=DeliveryPackage.Status.READY,
            files_deleted_at__isnull=True,
        )
        if kind not in {"pdf", "csv"}:
            raise PermissionDenied
        handle = services.package_open(package=package, kind=kind, actor=request.user)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=f"{package.reference}.{kind}",
            content_type="application/pdf" if kind == "pdf" else "text/csv; charset=utf-8",
        )


class DeliveryForm(forms.ModelForm):
    class Meta:
        model = Delivery
        fields = [
            "package",
            "delivered_on",
            "method",
            "delivered_by",
            "recipient",
            "notes",
            "outcome",
            "reply_received_on",
            "reply",
            "reply_public",
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "package" in self.fields:
            self.fields["package"].queryset = DeliveryPackage.objects.filter(
                status=DeliveryPackage.Status.READY
            )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    form = DeliveryForm
    list_display = ["package", "delivered_on", "method", "recipient", "outcome"]
    list_filter = ["method", "outcome"]
    search_fields = ["package__action_title", "recipient", "delivered_by"]
    date_hierarchy = "delivered_on"

    def get_fieldsets(self, request, obj=None):
        delivery = [
            "package",
            "delivered_on",
            "method",
            "delivered_by",
            "recipient",
            "notes",
        ]
        if obj is None:
            return [(None, {"fields": delivery})]
        return [
            (None, {"fields": [*delivery, "pdf_digest", "recorded_by", "recorded_at"]}),
            (
                _("The target's response"),
                {"fields": ["outcome", "reply_received_on", "reply", "reply_public"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "package",
            "delivered_on",
            "method",
            "delivered_by",
            "recipient",
            "notes",
            "pdf_digest",
            "recorded_by",
            "recorded_at",
        ]

    def get_changeform_initial_data(self, request):
        return {
            "delivered_on": timezone.localdate(),
            **super().get_changeform_initial_data(request),
        }

    @admin.display(description=_("SHA-256 of the PDF"))
    def pdf_digest(self, delivery: Delivery) -> str:
        return delivery.package.pdf_sha256

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Delivery, form, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            try:
                saved = services.delivery_record(
                    package=data["package"],
                    delivered_on=data["delivered_on"],
                    method=data["method"],
                    delivered_by=data["delivered_by"],
                    recipient=data.get("recipient", ""),
                    notes=data.get("notes", ""),
                    actor=request.user,
                )
            except services.PackageNotReady as exc:
                raise PermissionDenied from exc
        else:
            saved = services.delivery_record_outcome(
                delivery=Delivery.objects.get(pk=obj.pk),
                outcome=data["outcome"],
                reply_received_on=data.get("reply_received_on"),
                reply=data.get("reply", ""),
                reply_public=data.get("reply_public", False),
                actor=request.user,
            )
        obj.pk = saved.pk
        obj._state.adding = False
