"""Starting and cancelling background jobs (matching/jobs): the pages and the API call these.

A job is created in the caller's transaction and handed to a worker after commit. The checks
that need no work are done here, at once, so that a refusal lands on the form that caused it:
who may import which kind, a file already imported by the same person, bad export filters,
re-matching a year that has no scheme, a call that is not ready for its allocation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import policies
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..imports.engine import earlier_batch, file_hash, may_import
from ..jobs.runner import enqueue_on_commit
from ..models import ImportBatch, ImportKind, ImportMode, Job, JobKind, JobStatus, Scheme
from ..reports import downloads
from .base import service
from .selection import require_allocatable

# unfinished jobs one person (or visitor) may have at once; and all visitors together
OWN_UNFINISHED = 5
VISITORS_UNFINISHED = 20


@dataclass(frozen=True)
class ImportStart:
    """A job started, or the batch of the same file that this person already imported."""

    job: Job | None = None
    earlier: ImportBatch | None = None


def _params(**params) -> dict:
    # the language of the page that started the job: the worker writes its messages in it
    return {**params, "language": translation.get_language()}


def _room_for(*, actor, session_key: str = "") -> None:
    mine = Job.objects.unfinished().visible_to(None, session_key) if actor is None \
        else Job.objects.unfinished().filter(author=actor)
    if mine.count() >= OWN_UNFINISHED:
        raise Conflict(_("You have %(n)s jobs waiting or running: wait for one to finish, "
                         "or cancel one.") % {"n": OWN_UNFINISHED})
    if actor is None and Job.objects.unfinished().filter(author__isnull=True).count() \
            >= VISITORS_UNFINISHED:
        raise Conflict(_("Many files are being prepared right now: try again in a few "
                         "minutes."))


@service
def import_job_start(*, actor, kind: str, mode: str, filename: str, content: bytes,
                     quote: str = "", source: str = "") -> ImportStart:
    """Import a file in the background. The same file that this person already imported is
    not imported again: its batch is returned instead (as `run_import` would)."""
    if not may_import(actor, kind):
        raise Forbidden(_("You may not import %(kind)s.") % {"kind": ImportKind(kind).label})
    if mode not in ImportMode.values:
        raise InvalidInput(_("Choose how to treat invalid rows."), field="mode")
    earlier = earlier_batch(kind, file_hash(content), actor)
    if earlier is not None:
        return ImportStart(earlier=earlier)
    _room_for(actor=actor)
    name = default_storage.save(f"jobs/in/{uuid.uuid4().hex}/{filename[-100:]}",
                                ContentFile(content))
    try:
        job = Job.objects.create(kind=JobKind.IMPORT, author=actor, upload=name,
                                 params=_params(import_kind=kind, mode=mode,
                                                filename=filename[:200], quote=quote,
                                                source=source))
    except Exception:
        default_storage.delete(name)
        raise
    enqueue_on_commit(job)
    return ImportStart(job=job)


@service
def export_job_start(*, actor, session_key: str = "", report: str, fmt: str,
                     query: dict) -> Job:
    """Build a report's file (or the IATI document) in the background: for the whole
    programme, too large for a request. A visitor without an account owns the job by his
    session. The same export already waiting or running for the same person is returned."""
    request = downloads.Request(report, fmt, {k: str(v) for k, v in query.items()})
    request.filters()  # InvalidInput now, not in the worker
    if actor is None and not session_key:
        raise InvalidInput(_("Your browser must accept cookies to prepare a file."))
    owner = {"author": actor} if actor is not None else {"author": None,
                                                         "session_key": session_key}
    params = {"report": report, "format": fmt, "query": request.query}
    same = Job.objects.unfinished().filter(kind=JobKind.EXPORT, **owner,
                                           params__contains=params).first()
    if same is not None:
        return same
    _room_for(actor=actor, session_key=session_key)
    job = Job.objects.create(kind=JobKind.EXPORT, **owner, params=_params(**params))
    enqueue_on_commit(job)
    return job


def _one_at_a_time(kind: str, key: int) -> None:
    """Make the look for a running job of this kind and key (a call, a fiscal year) and the
    creation of a new one a single step: two people starting it at once are served in turn
    until the first one's commit, so the second finds the first's job."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [str(kind), key])


@service
def recompute_job_start(*, actor, fiscal_year: int) -> Job:
    """Re-match every open project of a fiscal year (within the administrator's scope) in the
    background; one at a time per year."""
    if not policies.may_recompute(actor):
        raise Forbidden(_("Only programme administrators may re-match a fiscal year."))
    if not Scheme.objects.filter(fiscal_year=fiscal_year).exists():
        raise InvalidInput(_("No scheme has the fiscal year %(year)s.") % {"year": fiscal_year},
                           field="fiscal_year")
    _one_at_a_time(JobKind.RECOMPUTE, fiscal_year)
    running = Job.objects.unfinished().filter(kind=JobKind.RECOMPUTE,
                                              params__fiscal_year=fiscal_year).first()
    if running is not None:
        raise Conflict(_("The matches of %(year)s are being recomputed already (job "
                         "%(job)s).") % {"year": fiscal_year, "job": running.pk})
    _room_for(actor=actor)
    job = Job.objects.create(kind=JobKind.RECOMPUTE, author=actor,
                             params=_params(fiscal_year=fiscal_year))
    enqueue_on_commit(job)
    return job


@service
def allocation_job_start(*, actor, call, time_limit: float) -> Job:
    """Propose a call's allocation in the background (the solver may take minutes). What
    would refuse it is refused now; one proposal at a time per call: the author's own
    running one is returned."""
    require_allocatable(actor, call, time_limit)
    _one_at_a_time(JobKind.ALLOCATION, call.pk)
    running = Job.objects.unfinished().filter(kind=JobKind.ALLOCATION,
                                              params__call=call.pk).first()
    if running is not None and running.author_id == actor.pk:
        return running
    if running is not None:
        raise Conflict(_("The allocation of %(call)s is being proposed already (job "
                         "%(job)s).") % {"call": call.code, "job": running.pk})
    _room_for(actor=actor)
    job = Job.objects.create(kind=JobKind.ALLOCATION, author=actor,
                             params=_params(call=call.pk, code=call.code,
                                            time_limit=time_limit))
    enqueue_on_commit(job)
    return job


@service
def job_cancel(*, actor, job: Job, session_key: str = "") -> Job:
    """Stop a job: one still waiting at once; a running one at its next chunk, which rolls
    its work back (nothing half-written stays)."""
    if not policies.may_cancel_job(actor, job, session_key):
        raise Forbidden(_("Only the person who started a job may cancel it."))
    now = timezone.now()
    if Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.CANCELLED, cancel_requested_at=now, finished_at=now):
        job.refresh_from_db()
        if job.upload:
            upload = job.upload
            transaction.on_commit(lambda: upload.storage.delete(upload.name), robust=True)
        return job
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING,
                       cancel_requested_at__isnull=True).update(cancel_requested_at=now)
    job.refresh_from_db()
    if job.finished and job.cancel_requested_at != now:
        raise NotAllowed(_("This job has finished already."))
    return job
