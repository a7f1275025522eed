"""Claim a job, run its work with a heartbeat, record what came of it; and beat's sweeper.

    execute(job_id)     a worker (the `matching.jobs.run` task): run the job once
    sweep(now)          beat, every minute: jobs whose worker died, jobs no worker took up

**One attempt at a time.** An attempt holds a PostgreSQL advisory lock on the job for as long
as it runs, on its own database session. A worker process that dies (SIGKILL, the machine
lost) loses its session, and with it the lock and the work's open transaction, which rolls
back: nothing half-written. The lock is how the next attempt, or the sweeper, knows that the
previous one is really gone: a heartbeat that stopped may only mean a long statement.

**Never applied twice.** A re-run after a crash re-claims the job under that lock; an import
whose batch committed (the batch names its job) is finished with that batch instead of being
imported again; re-matching is idempotent; an export is simply built again.

**Progress** is counted in memory by the work (progress.py) and written about once a second by
a heartbeat thread on a connection of its own, with the time of the beat: the page can read it
while the work's transaction is open, and the sweeper can tell a living job from a dead one.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading

import psycopg
from django.conf import settings
from django.db import (DatabaseError, InterfaceError, OperationalError, connections,
                       transaction)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..errors import ServiceError
from ..models import ImportBatch, Job, JobKind, JobStatus
from .progress import JobCancelled, Progress

log = logging.getLogger(__name__)
LOCK_SPACE = 0x4A4F42  # the advisory locks' first key: "JOB"
HEARTBEAT_SECONDS = 1.0
TRANSIENT = (OperationalError, InterfaceError)


class Busy(Exception):
    """Another attempt at this job is alive (it holds the job's lock)."""


def max_attempts() -> int:
    return getattr(settings, "JOB_MAX_ATTEMPTS", 3)


def stale_after() -> datetime.timedelta:
    """No heartbeat for this long: the sweeper looks at whether the job's session is gone."""
    return datetime.timedelta(seconds=getattr(settings, "JOB_STALE_SECONDS", 60))


def resend_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "JOB_RESEND_SECONDS", 600))


def keep_files() -> datetime.timedelta:
    """How long an export's file is kept (whole-programme files are large; the job stays)."""
    return datetime.timedelta(days=getattr(settings, "JOB_FILES_DAYS", 30))


# --- handing jobs to the workers ---------------------------------------------------------

# long work that writes goes to `imports`, files for readers to `exports`
QUEUES = {JobKind.IMPORT: "imports", JobKind.RECOMPUTE: "imports",
          JobKind.ALLOCATION: "imports", JobKind.EXPORT: "exports"}


def enqueue(job_id: int, kind: str) -> bool:
    """Hand the job to a worker of its queue and note when; with the broker down it stays
    queued and the sweeper hands it again later."""
    from .tasks import run_job  # noqa: PLC0415

    try:
        run_job.apply_async(args=[job_id], queue=QUEUES[kind], retry=False)
    except Exception:  # noqa: BLE001 - the broker is down: the sweeper resends
        log.warning("job %s could not be handed to the workers; the sweeper will", job_id,
                    exc_info=True)
        return False
    Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(enqueued_at=timezone.now())
    return True


def enqueue_on_commit(job: Job) -> None:
    transaction.on_commit(lambda: enqueue(job.pk, job.kind), robust=True)


# --- the advisory lock ---------------------------------------------------------------------

def _try_lock(job_id: int) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_SPACE, job_id])
        return cursor.fetchone()[0]


def _unlock(job_id: int) -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_SPACE, job_id])
    except DatabaseError:  # the session is gone, and its lock with it
        pass


def _session_gone(job_id: int) -> bool:
    """Inside a transaction: whether no session holds the job's lock (the lock is then held
    by this transaction until it ends)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_SPACE, job_id])
        return cursor.fetchone()[0]


# --- one attempt -------------------------------------------------------------------------

def execute(job_id: int) -> str | None:
    """Run the job if it is still to be run; return its final status, or None when there was
    nothing to do (finished already, or cancelled before it started). Raises Busy when
    another attempt is alive, and the transient database errors for the task to retry."""
    if not _try_lock(job_id):
        raise Busy(job_id)
    try:
        job = _claim(job_id)
        if job is None:
            return None
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            return _run(job)
    finally:
        _unlock(job_id)


def _claim(job_id: int) -> Job | None:
    """Under the job's lock: mark it running for one more attempt, or settle it."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.cancel_requested_at is not None:
            _settle(job, JobStatus.CANCELLED)
            return None
        if job.kind == JobKind.IMPORT and _finished_import(job):
            return None
        if job.attempts >= max_attempts():
            _settle(job, JobStatus.FAILED, error=_give_up_reason(job))
            return None
        job.status, job.attempts, job.heartbeat_at = JobStatus.RUNNING, job.attempts + 1, now
        job.started_at = job.started_at or now
        job.worker = f"{socket.gethostname()}:{os.getpid()}"[:200]
        job.save(update_fields=["status", "attempts", "heartbeat_at", "started_at", "worker"])
        return job


def _finished_import(job: Job) -> bool:
    """An earlier attempt's import committed (its batch names the job): finish the job with
    it instead of importing the file again."""
    batch = ImportBatch.objects.filter(job=job).first()
    if batch is None:
        return False
    _settle(job, JobStatus.SUCCEEDED, result=import_result(batch, created=True))
    return True


def import_result(batch: ImportBatch, *, created: bool) -> dict:
    return {"batch": batch.pk, "created": created, "status": batch.status,
            "rows_created": batch.rows_created, "rows_skipped": batch.rows_skipped,
            "rows_failed": batch.rows_failed}


def _give_up_reason(job: Job) -> str:
    previous = f" ({job.error})" if job.error else ""
    return _("Gave up after %(n)s attempts%(previous)s.") % {"n": job.attempts,
                                                             "previous": previous}


def _run(job: Job) -> str:
    from .work import WORK  # noqa: PLC0415 (the work imports the services, reports, ...)

    progress = Progress(job.pk)
    heartbeat = Heartbeat(job.pk, progress)
    heartbeat.start()
    outcome, status, error = {}, JobStatus.SUCCEEDED, ""
    try:
        outcome = WORK[job.kind](job, progress) or {}
    except JobCancelled:
        status = JobStatus.CANCELLED
    except ServiceError as refusal:  # a refusal the author can act on: the file, the filters
        status, error = JobStatus.FAILED, refusal.message
    except TRANSIENT:
        heartbeat.stop()
        # the database went away: back to the queue, and the task retries
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.QUEUED, error=_("The database was unreachable; trying again."))
        raise
    except Exception as failure:  # noqa: BLE001 - recorded on the job, logged in full
        log.exception("job %s (%s) failed", job.pk, job.kind)
        status = JobStatus.FAILED
        error = _("The job stopped on an unexpected error (%(error)s); the administrators "
                  "have the details.") % {"error": type(failure).__name__}
    finally:
        heartbeat.stop()
    figures = progress.snapshot()
    if status == JobStatus.SUCCEEDED and figures["rows_total"] is not None:
        figures["rows_done"] = figures["rows_total"]
    _settle(job, status, error=error, progress=figures, **outcome)
    return status


def _settle(job: Job, status: str, *, error: str = "", progress: dict | None = None,
            **fields) -> None:
    """Record the end of the job (only once: a job already finished is left as it is), and
    drop the uploaded file, which is no longer needed (the import keeps its own report)."""
    updated = Job.objects.filter(pk=job.pk).exclude(
        status__in=(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)).update(
        status=status, error=error, finished_at=timezone.now(), **(progress or {}), **fields)
    if updated and job.upload:
        upload = job.upload
        transaction.on_commit(lambda: upload.storage.delete(upload.name), robust=True)
        Job.objects.filter(pk=job.pk).update(upload="")


class Heartbeat(threading.Thread):
    """Writes the job's progress and the time about once a second, on its own connection
    (autocommit), until stopped. A database that is briefly away costs beats, not the job."""

    def __init__(self, job_id: int, progress: Progress):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.progress = job_id, progress
        self._stop_event = threading.Event()
        self._connection = None

    def run(self) -> None:
        try:
            while not self._stop_event.wait(HEARTBEAT_SECONDS):
                self.beat()
        finally:
            if self._connection is not None:
                self._connection.close()

    def beat(self) -> None:
        figures = self.progress.snapshot()
        try:
            if self._connection is None or self._connection.closed:
                self._connection = side_connection()
            self._connection.execute("""
                UPDATE matching_job SET stage = %(stage)s, step = %(step)s, steps = %(steps)s,
                       rows_done = LEAST(%(rows_done)s, COALESCE(%(rows_total)s, %(rows_done)s)),
                       rows_total = %(rows_total)s, heartbeat_at = now()
                WHERE id = %(id)s AND status = 'running'""", {**figures, "id": self.job_id})
        except psycopg.Error:
            log.warning("job %s: heartbeat not written", self.job_id, exc_info=True)
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def stop(self) -> None:
        self._stop_event.set()
        if self.is_alive() and self is not threading.current_thread():
            self.join(timeout=10)


def side_connection(*, autocommit: bool = True) -> psycopg.Connection:
    """A connection of its own to the primary, in autocommit: what it writes is seen at once,
    whatever the work's transaction does."""
    s = connections["default"].settings_dict
    return psycopg.connect(dbname=s["NAME"], user=s["USER"] or None,
                           password=s["PASSWORD"] or None, host=s["HOST"] or None,
                           port=s["PORT"] or None, connect_timeout=10, autocommit=autocommit,
                           application_name=f"hashar-job-heartbeat-{os.getpid()}")


# --- beat's sweeper ----------------------------------------------------------------------

def sweep(now: datetime.datetime | None = None) -> dict[str, int]:
    """Settle the jobs whose worker died, and hand again the jobs no worker took up.

    A running job with no heartbeat for `stale_after()` whose session lock is free (its
    worker is gone: the lock went with its session) is queued again for another attempt, or
    marked failed with the reason once it has had `max_attempts()`; an import whose batch had
    committed is finished with it. One whose lock is still held is alive, only slow to beat,
    and is left alone. A queued job not taken up for `resend_after()` is handed again
    (duplicates are harmless: one attempt at a time, under the lock). An export's file older
    than `keep_files()` is removed (the job and its record stay)."""
    now = now or timezone.now()
    counts = {"requeued": 0, "failed": 0, "finished": 0, "alive": 0, "resent": 0}
    stale = list(Job.objects.filter(status=JobStatus.RUNNING,
                                    heartbeat_at__lt=now - stale_after())
                 .values_list("pk", flat=True))
    for job_id in stale:
        counts[_sweep_one(job_id, now)] += 1
    lost = list(Job.objects.filter(status=JobStatus.QUEUED, cancel_requested_at__isnull=True)
                .exclude(enqueued_at__gte=now - resend_after()).values_list("pk", "kind"))
    for job_id, kind in lost:
        counts["resent"] += enqueue(job_id, kind)
    counts["files_removed"] = _remove_old_files(now)
    return counts


def _remove_old_files(now: datetime.datetime) -> int:
    old = Job.objects.filter(kind=JobKind.EXPORT, finished_at__lt=now - keep_files()) \
        .exclude(result_file="")
    removed = 0
    for job in old:
        job.result_file.storage.delete(job.result_file.name)
        removed += Job.objects.filter(pk=job.pk).update(
            result_file="", result={**job.result, "removed_at": now.isoformat()})
    return removed


def _sweep_one(job_id: int, now: datetime.datetime) -> str:
    with transaction.atomic():
        if not _session_gone(job_id):
            log.warning("job %s: no heartbeat since %s, but its worker still holds it",
                        job_id, stale_after())
            return "alive"
        job = Job.objects.select_for_update().filter(
            pk=job_id, status=JobStatus.RUNNING).first()
        if job is None:
            return "alive"  # finished meanwhile
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            if job.kind == JobKind.IMPORT and _finished_import(job):
                return "finished"
            reason = _("The worker running this job stopped (last sign of life at "
                       "%(at)s).") % {"at": timezone.localtime(job.heartbeat_at)
                                      .strftime("%Y-%m-%d %H:%M:%S")}
            if job.attempts >= max_attempts():
                _settle(job, JobStatus.FAILED, error=f"{reason} {_give_up_reason(job)}")
                log.error("job %s failed: %s", job_id, reason)
                return "failed"
            Job.objects.filter(pk=job.pk).update(status=JobStatus.QUEUED, error=reason)
            log.warning("job %s queued again: %s", job_id, reason)
            enqueue_on_commit(job)
            return "requeued"
