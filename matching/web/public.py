"""Transparency pages, open to everyone: approved projects, their funding waterfall,
decisions and evidence, and downloads. No personal data: no board members, phone numbers,
e-mails or names of staff; a decision shows its author's role, not the person."""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ..exports import neutralise
from ..models import District, Project, ProjectStatus
from ..waterfall import waterfall

PAGE_SIZE = 50
DECISIONS = (ProjectStatus.APPROVED, ProjectStatus.CONDITIONALLY_APPROVED,
             ProjectStatus.DEFERRED, ProjectStatus.REJECTED, ProjectStatus.SUSPENDED,
             ProjectStatus.CANCELLED, ProjectStatus.COMPLETED, ProjectStatus.CLOSED)
EXPORT_FIELDS = ["code", "title", "category", "status", "region", "district", "mahalla",
                 "scheme", "currency", "cost", "received", "matched", "disbursed",
                 "decided_on"]


def _listed(request):
    projects = (Project.objects.public().select_related("mahalla__district__region", "scheme")
                .order_by("-decided_at", "-id"))
    district = request.GET.get("district", "")
    # isdecimal, not isdigit: "²" is a digit that int() refuses
    if district.isdecimal():
        projects = projects.filter(mahalla__district_id=int(district))
    return projects, district


@require_GET
def project_list(request):
    projects, district = _listed(request)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    districts = District.objects.filter(
        mahallas__projects__in=Project.objects.public()).distinct().select_related("region")
    return render(request, "web/public/list.html", {
        "page": page, "districts": districts, "district": district})


@require_GET
def project_detail(request, code):
    project = get_object_or_404(
        Project.objects.public().select_related("mahalla__district__region", "scheme", "association"),
        code=code)
    rows = waterfall(project)
    scale = max([project.cost, *(r.target for r in rows), *(r.received for r in rows)])
    decisions = (project.timeline.filter(to_status__in=DECISIONS).select_related("actor")
                 .order_by("at", "id"))
    return render(request, "web/public/project.html", {
        "project": project, "rows": rows, "scale": scale, "decisions": decisions,
        "evidence": project.evidence.order_by("uploaded_at")})


def _export_rows(request):
    projects, _district = _listed(request)
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


