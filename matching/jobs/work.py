"""The body of each kind of job: what a worker does once it has claimed one (runner.py).

Each keeps the transaction discipline the work had when it ran in the request: an import is
one transaction (all or nothing, or the valid rows), re-matching is one service call, an
export writes nothing to the database. A cancel or a crash therefore leaves nothing
half-written. Each returns the fields that record its result on the job.
"""

from __future__ import annotations

import tempfile

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from ..imports import run_import
from ..models import Call, Job, JobKind
from ..reports import downloads
from ..routing import replica_reads
from ..services.recompute import matches_recompute
from ..services.selection import allocation_propose
from .progress import Progress
from .runner import import_result


def import_file(job: Job, progress: Progress) -> dict:
    params = job.params
    with job.upload.open("rb") as upload:
        content = upload.read()
    batch, created = run_import(
        kind=params["import_kind"], filename=params["filename"], content=content,
        actor=job.author, mode=params["mode"], progress=progress, job=job,
        **{k: params[k] for k in ("quote", "source") if params.get(k)})
    return {"result": import_result(batch, created=created)}


def export(job: Job, progress: Progress) -> dict:
    """Built from a replica where there is one (public data; a few seconds behind at most),
    into a temporary file, stored only once complete."""
    request = downloads.Request(job.params["report"], job.params["format"],
                                job.params.get("query", {}))
    with replica_reads(), tempfile.TemporaryFile() as out:
        if request.report == downloads.IATI:
            filename = downloads.iati_file(request, out, progress)
        else:
            body, filename = downloads.report_file(request, progress)
            out.write(body)
        out.seek(0)
        stored = default_storage.save(f"jobs/out/{job.pk}/{filename}", File(out, name=filename))
    return {"result_file": stored, "result_name": filename,
            "result": {"bytes": default_storage.size(stored)}}


def recompute(job: Job, progress: Progress) -> dict:
    summary = matches_recompute(fiscal_year=job.params["fiscal_year"], actor=job.author,
                                progress=progress)
    return {"result": {"fiscal_year": job.params["fiscal_year"], "projects": summary.projects,
                       "corrected": len(summary.changed), "changed": summary.changed[:200]}}


def allocate(job: Job, progress: Progress) -> dict:
    """The solver cannot be interrupted: a cancel asked while it runs is honoured when it
    returns, and the proposal is then not kept."""
    call = Call.objects.get(pk=job.params["call"])
    progress.step("allocating")
    with transaction.atomic():  # the proposal and the check for a cancel, together
        run = allocation_propose(actor=job.author, call=call,
                                 time_limit=job.params["time_limit"])
        progress.check(at_once=True)
    return {"result": {"call": call.pk, "code": call.code, "run": run.pk,
                       "optimal": run.optimal, "funded": len(run.chosen)}}


WORK = {JobKind.IMPORT: import_file, JobKind.EXPORT: export, JobKind.RECOMPUTE: recompute,
        JobKind.ALLOCATION: allocate}
