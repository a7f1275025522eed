"""The auditor's own pages, read-only: the ledger (filtered, paginated, as CSV), the audit
trail (who changed what, when, from where), the ledger checks, and every export.

Auditors read everything; programme administrators may use these pages too (as the audit
API lets them), the ledger scoped to their region by `visible_to`. Nothing here writes.
"""

from django import forms
from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import exports, policies
from ..models import (ASSOCIATION_ROLE, EntryKind, FunderKind, LedgerCheck, LedgerEntry, Role,
                      User)
from ..reports.downloads import BUILDERS, FORMATS
from .common import role_required
from .forms import DateInput

auditor_required = role_required(
    lambda user: policies.role_of(user) in (Role.AUDITOR, Role.ADMINISTRATOR))
LEDGER_PAGE = 50
TRAIL_PAGE = 50
CHECKS_SHOWN = 30


def _audited_models() -> list[str]:
    return sorted(model.__name__.removesuffix("Audit")
                  for model in apps.get_app_config("matching").get_models()
                  if model.__name__.endswith("Audit"))


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end comes before the start."))
        return data

    def within(self, queryset, field: str):
        """`queryset` cut to the period, by the day of `field` (in the current time zone)."""
        if self.cleaned_data["since"]:
            queryset = queryset.filter(**{f"{field}__date__gte": self.cleaned_data["since"]})
        if self.cleaned_data["until"]:
            queryset = queryset.filter(**{f"{field}__date__lte": self.cleaned_data["until"]})
        return queryset


class LedgerFilter(PeriodForm):
    project = forms.CharField(label=gettext_lazy("Project code"), required=False,
                              max_length=30)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    party = forms.ChoiceField(label=gettext_lazy("Party"), required=False)
    field_order = ["project", "kind", "party", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["kind"].choices = everything + list(EntryKind.choices)
        self.fields["party"].choices = everything + [
            (ASSOCIATION_ROLE, _("Migrant association")), *FunderKind.choices]


def _filtered_ledger(request):
    """The entries the reader may see, filtered by the query string; a bad filter shows the
    form's errors and no entries (400), never a 500."""
    form = LedgerFilter(request.GET)
    entries = (LedgerEntry.objects.visible_to(request.user)
               .select_related("project", "created_by").order_by("-id"))
    if not form.is_valid():
        return form, entries.none(), 400
    data = form.cleaned_data
    if data["project"]:
        entries = entries.filter(project__code__iexact=data["project"].strip())
    if data["kind"]:
        entries = entries.filter(kind=data["kind"])
    if data["party"]:
        entries = entries.filter(role=data["party"])
    return form, form.within(entries, "created_at"), 200


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("before", None)
    return query.urlencode()


# the reports' own titles (reports/*.py), to name their downloads
REPORT_TITLES = {"regional": gettext_lazy("Regional report"),
                 "funders": gettext_lazy("Funder report"),
                 "associations": gettext_lazy("Association report"),
                 "leverage": gettext_lazy("Leverage")}


@auditor_required
@require_GET
def home(request):
    return render(request, "web/audit/home.html", {
        "check": LedgerCheck.objects.first(),
        "reports": [(name, REPORT_TITLES.get(name, name), FORMATS) for name in BUILDERS]})


@auditor_required
@require_GET
def ledger(request):
    form, entries, status = _filtered_ledger(request)
    page = Paginator(entries, LEDGER_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/audit/ledger.html", {
        "form": form, "page": page, "query": _query_without_page(request)}, status=status)


LEDGER_COLUMNS = [exports.Column(key, label) for key, label in [
    ("id", "id"), ("at", "at"), ("project", "project"), ("kind", "kind"), ("party", "party"),
    ("amount", "amount"), ("currency", "currency"), ("original_amount", "original_amount"),
    ("original_currency", "original_currency"), ("reverses", "reverses"), ("memo", "memo"),
    ("recorded_by", "recorded_by")]]


@auditor_required
@require_GET
def ledger_csv(request):
    """The filtered ledger, every row, streamed; text neutralised against formulas."""
    form, entries, status = _filtered_ledger(request)
    if status != 200:
        return render(request, "web/audit/ledger.html", {
            "form": form, "page": Paginator(entries, LEDGER_PAGE).get_page(1),
            "query": ""}, status=status)
    rows = ({"id": e.pk, "at": e.created_at, "project": e.project.code, "kind": e.kind,
             "party": e.role, "amount": e.amount, "currency": e.currency,
             "original_amount": e.original_amount, "original_currency": e.original_currency,
             "reverses": e.reverses_id, "memo": e.memo, "recorded_by": e.created_by.username}
            for e in entries.iterator(chunk_size=2000))
    response = StreamingHttpResponse(exports.csv_lines(LEDGER_COLUMNS, rows),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="hashar-ledger-{stamp}.csv"'
    return response


class TrailFilter(PeriodForm):
    model = forms.ChoiceField(label=gettext_lazy("Record"), required=False)
    object_id = forms.IntegerField(label=gettext_lazy("Record number"), required=False,
                                   min_value=1, max_value=2**63 - 1)
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    before = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                widget=forms.HiddenInput)
    field_order = ["model", "object_id", "user", "since", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(name, name) for name in _audited_models()]


def _snapshot(event) -> dict:
    return {f.attname: getattr(event, f.attname) for f in event._meta.concrete_fields
            if not f.name.startswith("pgh_")}


def _changes(event, previous) -> list[tuple[str, object, object]]:
    """(field, before, after) for an update; every filled field for an insert."""
    after = _snapshot(event)
    if previous is None or event.pgh_label != "update":
        return [(name, None, value) for name, value in after.items() if value not in (None, "")]
    before = _snapshot(previous)
    return [(name, before.get(name), value) for name, value in after.items()
            if before.get(name) != value]


@auditor_required
@require_GET
def trail(request):
    """One kind of record at a time (each has its own event table), newest first, older
    pages by keyset (`before`): three queries whatever the size of the trail."""
    form = TrailFilter(request.GET or {"model": "Project"})
    if not form.is_valid():
        return render(request, "web/audit/trail.html", {"form": form, "rows": []}, status=400)
    data = form.cleaned_data
    model = apps.get_model("matching", f"{data['model'] or 'Project'}Audit")
    events = model.objects.select_related("pgh_context").order_by("-pgh_id")
    if data["object_id"]:
        events = events.filter(pgh_obj_id=data["object_id"])
    if data["user"]:
        user = User.objects.filter(username=data["user"].strip()).first()
        events = events.filter(pgh_context__metadata__user=user.pk) if user else events.none()
    events = form.within(events, "pgh_created_at")
    if data["before"]:
        events = events.filter(pgh_id__lt=data["before"])
    previous = (model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"),
                                     pgh_id__lt=OuterRef("pgh_id"))
                .order_by("-pgh_id").values("pgh_id")[:1])
    found = list(events.annotate(previous_id=Subquery(previous))[:TRAIL_PAGE + 1])
    shown = found[:TRAIL_PAGE]
    earlier = model.objects.in_bulk([e.previous_id for e in shown if e.previous_id])
    contexts = [e.pgh_context.metadata if e.pgh_context_id else {} for e in shown]
    people = User.objects.in_bulk({c["user"] for c in contexts if isinstance(c.get("user"), int)})
    rows = [{"event": e, "who": people.get(c.get("user")), "context": c,
             "changes": _changes(e, earlier.get(e.previous_id))}
            for e, c in zip(shown, contexts)]
    query = _query_without_page(request)
    return render(request, "web/audit/trail.html", {
        "form": form, "rows": rows, "model": data["model"] or "Project",
        "older": shown[-1].pgh_id if len(found) > TRAIL_PAGE else None, "query": query})


@auditor_required
@require_GET
def checks(request):
    return render(request, "web/audit/checks.html", {
        "checks": LedgerCheck.objects.all()[:CHECKS_SHOWN]})
