"""The data-protection page of the audit trail: who saw or exported a supporter's data, what
a staff member opened, filtered and exported as CSV.

Core sits below the supporters app, so the supporter and the rows that point at them are
found through the app registry (every model with a foreign key to the supporter model),
not by import: a new kind of participation is covered without an edit here.
"""

import csv
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcry.core.audit import AUDIT_EVENTS, audit_event_label, audit_record
from outcry.core.crypto import email_hash
from outcry.core.models import AuditEvent

VIEW_PERMISSION = "core.view_auditevent"
PAGE_SIZE = 50
SUPPORTER_MODEL = ("supporters", "Supporter")


def _supporter_model():
    return apps.get_model(*SUPPORTER_MODEL)


def supporter_by_email(*, email: str):
    """The supporter whose blind index matches ``email``, or None (the address is not kept)."""
    return _supporter_model().objects.filter(email_hash=email_hash(email)).first()


def _rows_of_supporter(supporter) -> dict[str, set[str]]:
    """``{model label: {ids}}``: the supporter and every row with a foreign key to them
    (signatures, letters, calls, messages, subscriptions, consent records…)."""
    supporter_model = type(supporter)
    rows = {supporter_model._meta.label_lower: {str(supporter.pk)}}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is supporter_model:
                ids = model._base_manager.filter(**{field.name: supporter}).values_list(
                    "pk", flat=True
                )
                rows.setdefault(model._meta.label_lower, set()).update(str(pk) for pk in ids)
    return {label: ids for label, ids in rows.items() if ids}


def _petitions_of_supporter(supporter) -> set[int]:
    signature = apps.get_model("actions", "Signature")
    return set(
        signature._base_manager.filter(supporter=supporter).values_list("petition_id", flat=True)
    )


def audit_events_of_supporter(*, supporter) -> QuerySet[AuditEvent]:
    """Every event on the supporter or on their rows: one by one (``object_id``), or in a
    batch that lists their row among its ``ids``, or a signature export of a petition they
    signed (the export records its petitions, not each of its rows)."""
    rows = _rows_of_supporter(supporter)
    direct = Q(pk__in=[])
    for label, ids in rows.items():
        direct |= Q(object_type=label, object_id__in=ids)
    # Batches carry their ids in ``extra``, which SQLite cannot search inside portably: the
    # (few) batch rows of these types are read and matched here.
    petitions = _petitions_of_supporter(supporter)
    batch_pks = []
    batches = AuditEvent.objects.filter(object_type__in=list(rows), object_id="").values_list(
        "pk", "object_type", "extra"
    )
    for pk, object_type, extra in batches.iterator(chunk_size=2000):
        ids = {str(i) for i in (extra or {}).get("ids", ())}
        if ids & rows[object_type] or set((extra or {}).get("petition_ids", ())) & petitions:
            batch_pks.append(pk)
    return AuditEvent.objects.filter(direct | Q(pk__in=batch_pks))


def _event_choices() -> list[tuple[str, str]]:
    choices = sorted(((e, str(label)) for e, label in AUDIT_EVENTS.items()), key=lambda c: c[1])
    return [("", _("Any event")), *choices]


class EmailSearchForm(forms.Form):
    email = forms.EmailField(label=_("Supporter's email address"))


class TrailFilterForm(forms.Form):
    supporter = forms.IntegerField(required=False, widget=forms.HiddenInput)
    actor = forms.ModelChoiceField(
        label=_("Staff member"),
        queryset=get_user_model().objects.filter(is_staff=True).order_by("username"),
        required=False,
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    event = forms.ChoiceField(label=_("Event"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False, max_length=100)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = _event_choices()

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def used(self) -> dict[str, Any]:
        """The filters set, as they are recorded in the audit row of the search."""
        data = self.cleaned_data
        used = {name: value for name, value in data.items() if value not in (None, "")}
        if "actor" in used:
            used["actor"] = used["actor"].pk
        return used


def audit_trail_filter(*, filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if filters.get("supporter"):
        supporter = _supporter_model()._base_manager.filter(pk=filters["supporter"]).first()
        events = audit_events_of_supporter(supporter=supporter) if supporter else events.none()
    if filters.get("actor"):
        events = events.filter(actor_id=filters["actor"].pk)
    zone = timezone.get_current_timezone()
    if filters.get("since"):
        events = events.filter(created_at__gte=datetime.combine(filters["since"], time(), zone))
    if filters.get("until"):
        end = datetime.combine(filters["until"] + timedelta(days=1), time(), zone)
        events = events.filter(created_at__lt=end)
    if filters.get("event"):
        events = events.filter(event=filters["event"])
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"])
    if filters.get("object_id"):
        events = events.filter(object_id=filters["object_id"])
    return events.order_by("-created_at", "-pk")


class _Echo:
    def write(self, value):
        return value


def _csv_response(events: QuerySet[AuditEvent]) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    header = ["when", "event", "label", "actor", "actor_kind", "object_type", "object_id", "extra"]

    def rows():
        yield writer.writerow(header)
        for event in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    event.created_at.isoformat(),
                    event.event,
                    audit_event_label(event.event),
                    event.actor_username,
                    event.actor_kind,
                    event.object_type,
                    event.object_id,
                    AuditEvent._meta.get_field("extra").get_prep_value(event.extra),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    return response


def audit_trail_view(admin_site):
    def view(request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(VIEW_PERMISSION):
            raise PermissionDenied
        here = reverse("admin:core_auditevent_trail")
        email_form = EmailSearchForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and email_form.is_valid():
            # Found by the blind index; the address itself is never stored nor put in a URL.
            supporter = supporter_by_email(email=email_form.cleaned_data["email"])
            audit_record(
                actor=request.user,
                event="core.auditevent.searched",
                obj=supporter,
                extra={"by": "email", "found": supporter is not None},
            )
            if supporter is not None:
                return redirect(f"{here}?supporter={supporter.pk}")
        form = TrailFilterForm(request.GET or None)
        events = AuditEvent.objects.none()
        searched = form.is_bound and form.is_valid()
        if searched:
            filters = form.cleaned_data
            events = audit_trail_filter(filters=filters)
            if request.GET.get("format") == "csv":
                audit_record(
                    actor=request.user,
                    event="core.auditevent.exported",
                    extra={"filters": form.used(), "count": events.count()},
                )
                return _csv_response(events)
            if not request.GET.get("page"):
                audit_record(
                    actor=request.user,
                    event="core.auditevent.searched",
                    extra={"filters": form.used()},
                )
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("format", None)
        context = {
            **admin_site.each_context(request),
            "title": _("Audit trail"),
            "opts": AuditEvent._meta,
            "email_form": email_form,
            "form": form,
            "searched": searched,
            "page": page,
            "rows": [(event, audit_event_label(event.event)) for event in page.object_list],
            "query": query.urlencode(),
            "not_found": request.method == "POST" and email_form.is_valid(),
        }
        return TemplateResponse(request, "admin/core/auditevent/trail.html", context)

    return view
