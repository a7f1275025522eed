"""Public report pages and downloads: no login, no personal data (places, public bodies,
associations and projects by name; never a person, a phone or a bank reference).

Views are thin: read the filters, build the report (reports/*.py), render or export it.
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import exports, iati
from ..models import District, Project, Region, Scheme
from .associations import association_report, leverage_report
from .common import Report
from .forms import FilterForm
from .funders import funder_report
from .maps import district_map, region_maps
from .regional import gini_help, regional_report, theil_help

BUILDERS = {"regional": regional_report, "funders": funder_report,
            "associations": association_report, "leverage": leverage_report}
FORMATS = ("csv", "xlsx", "json")


def _form(request) -> FilterForm | None:
    form = FilterForm(request.GET)
    return form if form.is_valid() else None


def _bad_filters(request, bad_place: str = "") -> HttpResponse:
    form = FilterForm(request.GET)
    form.is_valid()
    errors = form.errors.get_json_data()
    if bad_place:
        errors[bad_place] = [{"message": _("Not a number."), "code": "invalid"}]
    return JsonResponse({"errors": errors}, status=400)


def _scope(request) -> dict:
    """`region` / `district` from the query string (downloads of the regional report).
    ValueError(key) names the parameter that is not an id."""
    scope = {}
    for key in ("region", "district"):
        raw = request.GET.get(key, "")
        if raw:
            if not (raw.isascii() and raw.isdigit()):  # "²" is a digit int() refuses
                raise ValueError(key)
            scope[key] = int(raw)
    return scope


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


@require_GET
def download(request, name: str, fmt: str):
    if name not in BUILDERS or fmt not in FORMATS:
        raise Http404
    form = _form(request)
    try:
        scope = _scope(request) if name == "regional" else {}
    except ValueError as error:
        return _bad_filters(request, bad_place=error.args[0])
    if form is None:
        return _bad_filters(request)
    report = BUILDERS[name](form.filters(**scope))
    stem = f"hashar-{name}-{report.filters.year or 'all'}"
    if fmt == "json":
        return HttpResponse(exports.to_json(report.tables, meta=report.meta()),
                            content_type="application/json")
    if fmt == "xlsx":
        return _attachment(exports.to_xlsx(report.tables), exports.XLSX_CONTENT_TYPE,
                           f"{stem}.xlsx")
    table = report.table(form.cleaned_data.get("table") or report.tables[0].name)
    if table is None:
        return JsonResponse({"errors": {"table": [{
            "message": _("Choose one of: %(names)s.") % {
                "names": ", ".join(t.name for t in report.tables)}, "code": "invalid"}]}},
            status=400)
    return _attachment(exports.to_csv(table), "text/csv; charset=utf-8",
                       f"{stem}-{table.name}.csv")


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def iati_export(request):
    """The IATI 2.03 activities of the projects in scope, streamed from a spooled file."""
    form = _form(request)
    try:
        scope = _scope(request)
    except ValueError as error:
        return _bad_filters(request, bad_place=error.args[0])
    if form is None:
        return _bad_filters(request)
    filters = form.filters(**scope)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    iati.write(Project.objects.filter(filters.projects()), out)
    out.seek(0)
    return FileResponse(out, content_type="application/xml", as_attachment=True,
                        filename=f"hashar-iati-{filters.year or 'all'}.xml")
