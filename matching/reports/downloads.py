"""The report downloads (CSV, XLSX, JSON) and the IATI document, built the same way in a
request (a region's or a district's, which are small) and in a background job (the whole
programme's, which are not: see matching/jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import exports, iati
from ..errors import InvalidInput
from ..jobs.progress import NO_PROGRESS
from ..models import Project
from .associations import association_report, leverage_report
from .common import Filters
from .forms import FilterForm
from .funders import funder_report
from .regional import regional_report

BUILDERS = {"regional": regional_report, "funders": funder_report,
            "associations": association_report, "leverage": leverage_report}
FORMATS = ("csv", "xlsx", "json")
IATI = "iati"
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": exports.XLSX_CONTENT_TYPE,
                 "json": "application/json", "xml": "application/xml"}
SCOPES = ("region", "district")


@dataclass(frozen=True)
class Request:
    """What to export: a report (or "iati"), a format, and the query string (one value per
    key): the filter form's fields, and `region` / `district` for the regional report and the
    IATI document (the other reports are the whole programme's by nature)."""

    report: str
    fmt: str
    query: dict

    @cached_property
    def form(self) -> FilterForm:
        data = QueryDict(mutable=True)
        data.update({k: v for k, v in self.query.items() if k not in SCOPES})
        form = FilterForm(data)
        form.is_valid()
        return form

    @property
    def scoped(self) -> bool:
        return self.report in ("regional", IATI)

    def problems(self) -> dict:
        """The field errors (as `Form.errors.get_json_data()`); empty when all is well."""
        errors = self.form.errors.get_json_data()
        for key in SCOPES if self.scoped else ():
            raw = str(self.query.get(key, ""))
            if raw and not (raw.isascii() and raw.isdigit()):  # "²" is a digit int() refuses
                errors[key] = [{"message": _("Not a number."), "code": "invalid"}]
        return errors

    def filters(self) -> Filters:
        """The report's filters; InvalidInput naming the first field in error."""
        if self.report != IATI and (self.report not in BUILDERS or self.fmt not in FORMATS):
            raise InvalidInput(_("Unknown report or format."), field="report")
        problems = self.problems()
        if problems:
            field, errors = next(iter(problems.items()))
            raise InvalidInput(errors[0]["message"], field=field)
        scope = {key: int(self.query[key]) for key in SCOPES
                 if self.scoped and self.query.get(key)}
        return self.form.filters(**scope)

    @property
    def whole_programme(self) -> bool:
        """Every project of the programme (no region, no district): a background job."""
        return not (self.scoped and any(self.query.get(key) for key in SCOPES))

    def filename(self, filters: Filters, table: str = "") -> str:
        year = filters.year or "all"
        if self.report == IATI:
            return f"hashar-iati-{year}.xml"
        return f"hashar-{self.report}-{year}{'-' + table if table else ''}.{self.fmt}"

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES["xml" if self.report == IATI else self.fmt]

    def describe(self) -> str:
        """For people: "Regional report, XLSX" / "IATI activities (XML)"."""
        if self.report == IATI:
            return str(_("IATI activities (XML)"))
        return f"{TITLES[self.report]}, {self.fmt.upper()}"


TITLES = {"regional": gettext_lazy("Regional report"), "funders": gettext_lazy("Funder report"),
          "associations": gettext_lazy("Association report"),
          "leverage": gettext_lazy("Leverage")}


def report_file(request: Request, progress=NO_PROGRESS) -> tuple[bytes, str]:
    """(the file's bytes, its download name)."""
    filters = request.filters()
    progress.plan(2)
    progress.step("building")
    report = BUILDERS[request.report](filters)
    progress.step("exporting", total=sum(len(t.rows) for t in report.tables))
    if request.fmt == "json":
        body = exports.to_json(report.tables, meta=report.meta())
        return body, request.filename(filters)
    if request.fmt == "xlsx":
        return exports.to_xlsx(report.tables), request.filename(filters)
    name = request.query.get("table") or report.tables[0].name
    table = report.table(name)
    if table is None:
        raise InvalidInput(_("Choose one of: %(names)s.") % {
            "names": ", ".join(t.name for t in report.tables)}, field="table")
    return exports.to_csv(table), request.filename(filters, table.name)


def iati_file(request: Request, out, progress=NO_PROGRESS) -> str:
    """Write the IATI document to the binary file `out`; return its download name."""
    filters = request.filters()
    iati.write(Project.objects.filter(filters.projects()), out, progress)
    return request.filename(filters)
