"""Upload pages for bulk imports, and the per-row report of each import. An upload starts a
background job (matching/jobs), whose page shows the progress and leads to the report.

An import is seen by the person who uploaded it, administrators and auditors: a clerk never
sees another clerk's files.
"""

from __future__ import annotations

from django import forms
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
from .engine import file_size_problem, report_rows

REPORT_ROWS_SHOWN = 1000
RECENT_IMPORTS = 50


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
    """Why a file cannot be imported at all (too large — the engine's own limit, as for the
    commands —, not CSV or XLSX), or "" (the upload page and the API's import jobs)."""
    problem = file_size_problem(upload.size)  # before reading it
    if problem:
        return problem
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


def _sees_every_import(user) -> bool:
    return user.is_superuser or user.role in (Role.ADMINISTRATOR, Role.AUDITOR)


@login_required
@require_GET
def index(request):
    """What the user may import, and the imports she may see (her own; all of them for
    administrators and auditors)."""
    kinds = [kind for kind in ImportKind if may_import(request.user, kind)]
    if not kinds and not _sees_every_import(request.user):
        raise PermissionDenied
    batches = ImportBatch.objects.select_related("uploaded_by")
    if not _sees_every_import(request.user):
        batches = batches.filter(uploaded_by=request.user)
    return render(request, "reports/import_index.html", {
        "kinds": kinds, "batches": batches.order_by("-created_at", "-id")[:RECENT_IMPORTS]})


def _visible(request, pk: int) -> ImportBatch:
    batch = get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=pk)
    user = request.user
    if not (batch.uploaded_by_id == user.pk or _sees_every_import(user)):
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
