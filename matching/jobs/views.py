"""Pages of the background jobs: a job's progress (polled by htmx), cancel, the result's
download, the list of one's jobs, and the pages that start an export or a re-matching.

A job is seen by its author (a visitor: by his session) and by the auditors; anyone else gets
404, as for a job that does not exist.
"""

from __future__ import annotations

import mimetypes

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import policies
from ..errors import ServiceError
from ..imports.engine import may_import
from ..models import ImportKind, Job, JobKind, JobStatus, Scheme
from ..reports import downloads
from ..services.jobs import export_job_start, job_cancel, recompute_job_start
from ..web.common import submit
from .progress import STAGES

LIST_SIZE = 50


def _session_key(request, *, create: bool = False) -> str:
    if create and not request.session.session_key:
        request.session.save()
    return request.session.session_key or ""


def _visible(request, pk: int) -> Job:
    return get_object_or_404(Job.objects.visible_to(request.user, _session_key(request))
                             .select_related("author", "import_batch"), pk=pk)


def title(job: Job) -> str:
    params = job.params
    if job.kind == JobKind.IMPORT:
        return _("Import: %(file)s") % {"file": params.get("filename", "")}
    if job.kind == JobKind.EXPORT:
        return downloads.Request(params.get("report", ""), params.get("format", ""),
                                 params.get("query", {})).describe()
    if job.kind == JobKind.ALLOCATION:
        return _("Allocation of %(code)s") % {"code": params.get("code", params.get("call"))}
    return _("Re-matching of %(year)s") % {"year": params.get("fiscal_year")}


def seconds_left(job: Job, now=None) -> float | None:
    """The time left, from the pace so far; None until there is a pace to go by."""
    if job.status != JobStatus.RUNNING or job.started_at is None:
        return None
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    fraction = job.fraction
    if fraction < 0.02 or elapsed < 2:
        return None
    return elapsed * (1 - fraction) / fraction


def humane(seconds: float) -> str:
    if seconds < 90:
        n = max(5, int(round(seconds / 5.0)) * 5)
        return ngettext("about %(n)s second", "about %(n)s seconds", n) % {"n": n}
    n = int(round(seconds / 60.0))
    return ngettext("about %(n)s minute", "about %(n)s minutes", n) % {"n": n}


def _context(request, job: Job) -> dict:
    left = seconds_left(job)
    return {"job": job, "title": title(job), "stage": STAGES.get(job.stage, ""),
            "permille": int(job.fraction * 1000), "percent": int(job.fraction * 100),
            "left": humane(left) if left is not None else "",
            "can_cancel": not job.finished and job.cancel_requested_at is None
            and policies.may_cancel_job(request.user, job, _session_key(request))}


@require_GET
def detail(request, pk: int):
    job = _visible(request, pk)
    return render(request, "jobs/detail.html", {
        **_context(request, job), "notice": request.session.pop("job_notice", "")})


@require_GET
def progress(request, pk: int):
    """The progress block alone, which htmx polls every second until the job ends."""
    job = _visible(request, pk)
    return render(request, "jobs/_progress.html", _context(request, job))


@require_POST
def cancel(request, pk: int):
    job = _visible(request, pk)
    try:
        job_cancel(actor=request.user if request.user.is_authenticated else None, job=job,
                   session_key=_session_key(request))
    except ServiceError as error:
        if error.status == 403:
            raise PermissionDenied from None
        request.session["job_notice"] = error.message
    return redirect("jobs:detail", pk=job.pk)


def result_file(job: Job) -> FileResponse:
    """The file an export job built, as an attachment; 404 while there is none (not finished,
    not an export, or removed after JOB_FILES_DAYS). The web page and the API hand it out."""
    if job.status != JobStatus.SUCCEEDED or not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(job.result_name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=job.result_name,
                        content_type=content_type)


@require_GET
def download(request, pk: int):
    return result_file(_visible(request, pk))


@require_GET
def job_list(request):
    """One's jobs (an auditor: everyone's), and the long work one may start from here."""
    jobs = (Job.objects.visible_to(request.user, _session_key(request))
            .select_related("author")[:LIST_SIZE])
    return render(request, "jobs/list.html", {
        "jobs": [(job, title(job)) for job in jobs],
        "imports": [kind for kind in ImportKind if may_import(request.user, kind)],
        "can_recompute": policies.may_recompute(request.user)})


@require_http_methods(["GET", "POST"])
def export_new(request):
    """Prepare a whole-programme file: the report's download links lead here (a GET starts
    nothing: crawlers follow links); the button starts the job."""
    query = request.GET.dict() if request.method == "GET" else request.POST.dict()
    query.pop("csrfmiddlewaretoken", None)
    report, fmt = query.pop("report", ""), query.pop("format", "")
    export = downloads.Request(report, fmt, query)
    if report != downloads.IATI and (report not in downloads.BUILDERS
                                     or fmt not in downloads.FORMATS):
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        try:
            job = export_job_start(
                actor=request.user if request.user.is_authenticated else None,
                session_key=_session_key(request, create=True), report=report, fmt=fmt,
                query=query)
        except ServiceError as refusal:
            error, status = refusal.message, refusal.status
        else:
            return redirect("jobs:detail", pk=job.pk)
    elif export.problems():
        error, status = _("These filters are not valid."), 400
    return render(request, "jobs/export_new.html", {
        "export": export, "title": export.describe(), "query": query, "report": report,
        "format": fmt, "error": error}, status=status)


class RecomputeForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=gettext_lazy("Fiscal year"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = Scheme.objects.order_by("-fiscal_year").values_list("fiscal_year", flat=True)
        self.fields["fiscal_year"].choices = [(y, y) for y in dict.fromkeys(years)]


@login_required
@require_http_methods(["GET", "POST"])
def recompute_new(request):
    """Re-match every open project of a fiscal year (administrators), in the background."""
    if not policies.may_recompute(request.user):
        raise PermissionDenied
    form = RecomputeForm(request.POST or None)
    done, job, status = submit(request, form, lambda data: recompute_job_start(
        actor=request.user, fiscal_year=data["fiscal_year"]))
    if done:
        return redirect("jobs:detail", pk=job.pk)
    return render(request, "jobs/recompute_new.html", {"form": form}, status=status)

