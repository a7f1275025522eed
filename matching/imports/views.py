"""Upload pages for bulk imports, and the per-row report of each import. An upload starts a
background job (matching/jobs), whose page shows the progress and leads to the report.

An import is seen by the person who uploaded it, administrators and auditors: a clerk never
sees another clerk's files.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import exports
from ..errors import ServiceError
from ..models import ImportBatch, ImportKind, ImportMode, Role
from ..services.jobs import import_job_start
from . import may_import
from .engine import report_rows

REPORT_ROWS_SHOWN = 1000


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or XLSX file"))
    mode = forms.ChoiceField(label=gettext_lazy("If some rows are invalid"),
                             choices=ImportMode.choices, initial=ImportMode.ALL_OR_NOTHING,
                             widget=forms.RadioSelect)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        problem = upload_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload


def upload_problem(upload) -> str:
    """Why a file cannot be imported at all (too large, not CSV or XLSX), or "" (the upload
    page and the API's import jobs)."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        return _("The file is larger than %(mb)s MB.") % {
            "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    if upload.name.rsplit(".", 1)[-1].lower() not in ("csv", "xlsx"):
        return _("Upload a CSV or XLSX file.")
    return ""


def _kind(kind: str) -> str:
    if kind not in ImportKind.values:
        raise Http404
    return kind


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, kind: str):
    kind = _kind(kind)
    if not may_import(request.user, kind):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload_ = form.cleaned_data["file"]
            try:
                started = import_job_start(actor=request.user, kind=kind,
                                           filename=upload_.name, content=upload_.read(),
                                           mode=form.cleaned_data["mode"])
            except ServiceError as error:
                form.add_error("file" if error.field in (None, "file") else None, error.message)
                status = error.status
            else:
                if started.earlier is not None:
                    request.session["import_notice"] = _(
                        "This file was already imported: nothing was written again.")
                    return redirect("imports:detail", pk=started.earlier.pk)
                # the file is imported in the background; its page shows the progress
                return redirect("jobs:detail", pk=started.job.pk)
        else:
            status = 400
    return render(request, "reports/import_upload.html",
                  {"form": form, "kind": ImportKind(kind)}, status=status)


def _visible(request, pk: int) -> ImportBatch:
    batch = get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=pk)
    user = request.user
    if not (batch.uploaded_by_id == user.pk or user.is_superuser
            or user.role in (Role.ADMINISTRATOR, Role.AUDITOR)):
        raise Http404  # not "forbidden": another clerk's files are not even named
    return batch


@login_required
@require_GET
def detail(request, pk: int):
    batch = _visible(request, pk)
    rows = batch.rows.exclude(outcome="created").order_by("line")[:REPORT_ROWS_SHOWN]
    return render(request, "reports/import_detail.html", {
        "batch": batch, "rows": rows, "notice": request.session.pop("import_notice", "")})


@login_required
@require_GET
def row_report(request, pk: int):
    """Every row's outcome and errors, as CSV (neutralised against formula injection)."""
    batch = _visible(request, pk)
    table = exports.Table("rows", _("Rows"), [
        exports.Column("line", _("Line")), exports.Column("outcome", _("Outcome")),
        exports.Column("errors", _("Errors")), exports.Column("object_id", _("Record"))])
    table.rows = [{"line": line, "outcome": outcome, "object_id": object_id,
                   "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items())}
                  for line, outcome, errors, object_id in report_rows(batch).iterator()]
    response = HttpResponse(exports.to_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rows.csv"'
    return response
