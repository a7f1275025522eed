"""Public report pages and downloads: no login, no personal data (places, public bodies,
associations and projects by name; never a person, a phone or a bank reference).

Views are thin: read the filters, build the report (reports/*.py), render or export it.
"""

from __future__ import annotations

import tempfile

from django.http import (FileResponse, Http404, HttpResponse, HttpResponseRedirect,
                         JsonResponse, QueryDict)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ..errors import InvalidInput
from ..models import District, Region, Scheme
from . import downloads
from .common import Report
from .downloads import BUILDERS
from .forms import FilterForm
from .maps import district_map, region_maps
from .regional import gini_help, theil_help


def _form(request) -> FilterForm | None:
    form = FilterForm(request.GET)
    return form if form.is_valid() else None


def _choices() -> dict:
    return {"years": list(Scheme.objects.order_by("-fiscal_year")
                          .values_list("fiscal_year", flat=True).distinct()),
            "schemes": list(Scheme.objects.order_by("-fiscal_year", "code")
                            .values("code", "name", "fiscal_year"))}


@require_GET
def index(request):
    regions = Region.objects.select_related("country").order_by("country__name", "name")
    return render(request, "reports/index.html", {"regions": regions, "maps": region_maps(),
                                                  **_choices()})


def _page(request, report_name: str, template: str, *, place=None, **scope):
    form = _form(request)
    if form is None:
        return render(request, "reports/invalid.html", {"form": FilterForm(request.GET)},
                      status=400)
    report = BUILDERS[report_name](form.filters(**scope))
    query = request.GET.copy()
    query.update({k: str(v) for k, v in scope.items()})
    context = {"report": report, "form": form, "query": query.urlencode(), "place": place,
               "report_name": report_name, **_choices()}
    if report_name == "regional":
        context.update(chart=chart_data(report), map=district_map(report, place),
                       gini_help=gini_help(), theil_help=theil_help())
    return render(request, template, context)


@require_GET
def region_page(request, pk: int):
    region = get_object_or_404(Region.objects.select_related("country"), pk=pk)
    return _page(request, "regional", "reports/regional.html", place=region, region=region.pk)


@require_GET
def district_page(request, pk: int):
    district = get_object_or_404(District.objects.select_related("region__country"), pk=pk)
    return _page(request, "regional", "reports/regional.html", place=district, district=pk)


@require_GET
def table_page(request, name: str):
    if name not in BUILDERS or name == "regional":
        raise Http404
    return _page(request, name, "reports/tables.html")


def chart_data(report: Report) -> dict:
    """What the district chart draws: share of matched money against share of population."""
    table = report.table("mahallas") or report.table("districts")
    return {"labels": [row["name"] for row in table.rows],
            "money": [str(row["money_share"] or 0) for row in table.rows],
            "population": [str(row["population_share"] or 0) for row in table.rows],
            "money_label": _("Share of matched money"),
            "population_label": _("Share of population")}


def _bad_request(export: downloads.Request) -> HttpResponse | None:
    problems = export.problems()
    return JsonResponse({"errors": problems}, status=400) if problems else None


def _prepare(export: downloads.Request) -> HttpResponse:
    """The whole programme's file is built by a background job: send the reader to the page
    that starts one (a GET never starts work: crawlers follow links)."""
    query = QueryDict(mutable=True)
    query.update({**export.query, "report": export.report, "format": export.fmt})
    return HttpResponseRedirect(f"{reverse('jobs:export-new')}?{query.urlencode()}", status=303)


@require_GET
def download(request, name: str, fmt: str):
    """A region's or a district's report as a file, at once; the whole programme's through a
    background job (see _prepare)."""
    if name not in BUILDERS or fmt not in downloads.FORMATS:
        raise Http404
    export = downloads.Request(name, fmt, request.GET.dict())
    bad = _bad_request(export)
    if bad is not None:
        return bad
    if export.whole_programme:
        return _prepare(export)
    try:
        body, filename = downloads.report_file(export)
    except InvalidInput as error:
        return JsonResponse({"errors": {error.field: [{"message": error.message,
                                                       "code": "invalid"}]}}, status=400)
    response = HttpResponse(body, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def iati_export(request):
    """The IATI 2.03 activities of a region's or a district's projects, streamed from a
    spooled file; the whole programme's through a background job."""
    export = downloads.Request(downloads.IATI, "xml", request.GET.dict())
    bad = _bad_request(export)
    if bad is not None:
        return bad
    if export.whole_programme:
        return _prepare(export)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    filename = downloads.iati_file(export, out)
    out.seek(0)
    return FileResponse(out, content_type=export.content_type, as_attachment=True,
                        filename=filename)
