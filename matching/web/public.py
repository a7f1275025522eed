"""Transparency pages, open to everyone: every project past submission (rejected and
deferred ones too, with their reasons), its funding waterfall, its ledger, decisions,
evidence and complaints, and downloads. No personal data: no board members, phone numbers,
e-mails or names of staff; a decision shows its author's role, not the person; a complaint
shows its category, dates, status and answer, never its sender's text or contact."""

import csv
import json

from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from .. import exports, public_ledger
from ..exports import neutralise
from ..models import Complaint, District, Project, ProjectStatus
from ..waterfall import waterfall

PAGE_SIZE = 50
LEDGER_ON_PAGE = 300  # entries shown on the page; the downloads have them all
DECISIONS = (ProjectStatus.APPROVED, ProjectStatus.CONDITIONALLY_APPROVED,
             ProjectStatus.DEFERRED, ProjectStatus.REJECTED, ProjectStatus.SUSPENDED,
             ProjectStatus.CANCELLED, ProjectStatus.COMPLETED, ProjectStatus.CLOSED)
# the states a visitor can filter the list by: every state a public project can be in
STATUS_CHOICES = [(value, label) for value, label in ProjectStatus.choices
                  if value != ProjectStatus.DRAFT]
FINAL_STATES = (ProjectStatus.CLOSED, ProjectStatus.CANCELLED)
EXPORT_FIELDS = ["code", "title", "category", "status", "region", "district", "mahalla",
                 "scheme", "currency", "cost", "received", "matched", "disbursed",
                 "decided_on"]


def _listed(request):
    projects = (Project.objects.public().select_related("mahalla__district__region", "scheme")
                .order_by("-decided_at", "-submitted_at", "-id"))
    district = request.GET.get("district", "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses
    if district.isdecimal():
        projects = projects.filter(mahalla__district_id=int(district))
    status = request.GET.get("status", "")
    if status not in dict(STATUS_CHOICES):
        status = ""
    if status:
        projects = projects.filter(status=status)
    chosen = {k: v for k, v in (("district", district), ("status", status)) if v}
    return projects, chosen


@require_GET
def project_list(request):
    projects, chosen = _listed(request)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    districts = District.objects.filter(
        mahallas__projects__in=Project.objects.public()).distinct().select_related("region")
    return render(request, "web/public/list.html", {
        "page": page, "districts": districts, "district": chosen.get("district", ""),
        "status": chosen.get("status", ""), "statuses": STATUS_CHOICES,
        "filter_query": urlencode(chosen)})


def _public_project(code):
    return get_object_or_404(
        Project.objects.public().select_related("mahalla__district__region", "scheme",
                                                "association"), code=code)


@require_GET
def project_detail(request, code):
    project = _public_project(code)
    rows = waterfall(project)
    scale = max([project.cost, *(r.target for r in rows), *(r.received for r in rows)])
    decisions = (project.timeline.filter(to_status__in=DECISIONS).select_related("actor")
                 .order_by("at", "id"))
    entries = public_ledger.entries(project)
    complaints = list(Complaint.objects.filter(project=project).select_related("answered_by")
                      .order_by("-filed_at", "-id"))
    return render(request, "web/public/project.html", {
        "project": project, "rows": rows, "scale": scale, "decisions": decisions,
        "evidence": project.evidence.order_by("uploaded_at"),
        "entries": entries[-LEDGER_ON_PAGE:], "entries_total": len(entries),
        "accounts": (public_ledger.accounts(entries) if project.status in FINAL_STATES
                     else None),
        "complaints": complaints, "today": timezone.localdate(),
        "complaints_waiting": sum(1 for c in complaints if c.answered_at is None)})


def _ledger_table(project, entries) -> exports.Table:
    columns = [exports.Column(name, name) for name in public_ledger.FIELDS]
    rows = []
    for e in entries:
        row = e.as_dict()
        # numbers stay numbers in the CSV (a negative amount is a value, not a formula)
        row["amount"], row["original_amount"] = e.amount, e.original_amount
        row["entry"], row["reverses_entry"] = e.number, e.reverses
        row["date"], row["received_on"] = e.on, e.received_on
        rows.append(row)
    return exports.Table("ledger", project.code, columns, rows)


@require_GET
def ledger_csv(request, code):
    project = _public_project(code)
    body = exports.to_csv(_ledger_table(project, public_ledger.entries(project)))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hashar-ledger-{project.code}.csv"'
    return response


@require_GET
def ledger_json(request, code):
    """Amounts as decimal strings, never floats; per party, the sums of its entries."""
    project = _public_project(code)
    entries = public_ledger.entries(project)
    data = {
        "project": {"code": project.code, "title": project.title, "status": project.status,
                    "currency": project.currency, "cost": format(project.cost, "f")},
        "entries": [e.as_dict() for e in entries],
        "totals": {role: {kind: format(total, "f") for kind, total in kinds.items()}
                   for role, kinds in public_ledger.totals(entries).items()},
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1),
                            content_type="application/json")
    response["Content-Disposition"] = (f'attachment; filename="hashar-ledger-{project.code}'
                                       '.json"')
    return response


def _export_rows(request):
    projects, _chosen = _listed(request)
    for p in projects.iterator(chunk_size=500):
        yield {"code": p.code, "title": p.title, "category": p.category, "status": p.status,
               "region": p.mahalla.district.region.name, "district": p.mahalla.district.name,
               "mahalla": p.mahalla.name, "scheme": p.scheme.code, "currency": p.currency,
               "cost": str(p.cost), "received": str(p.received), "matched": str(p.matched),
               "disbursed": str(p.disbursed),
               # the day as the pages show it: the local calendar, not UTC's
               "decided_on": timezone.localdate(p.decided_at).isoformat() if p.decided_at
               else ""}


@require_GET
def export_csv(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hashar-projects.csv"'
    writer = csv.DictWriter(response, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    # names and titles are typed by people: a spreadsheet must show them, never run them
    writer.writerows({key: neutralise(value) for key, value in row.items()}
                     for row in _export_rows(request))
    return response


@require_GET
def export_json(request):
    """Amounts as decimal strings, never floats."""
    response = JsonResponse({"projects": list(_export_rows(request))},
                            json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="hashar-projects.json"'
    return response
