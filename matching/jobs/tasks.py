"""Celery tasks of the background jobs: thin, an id in, the runner does the work.

Imported at start-up (matching.apps.HANDLER_MODULES), so every worker registers them. Each
job is sent to its kind's queue (runner.QUEUES): imports and re-matching to `imports`,
exports to `exports`.
"""

import logging

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from . import runner

log = logging.getLogger(__name__)


@shared_task(name="matching.jobs.run", bind=True, acks_late=True, reject_on_worker_lost=True,
             autoretry_for=runner.TRANSIENT, retry_backoff=5, retry_backoff_max=120,
             max_retries=6)
def run_job(self, job_id: int) -> str | None:
    """Run the job once. A worker killed mid-job gives the message back (acks_late,
    reject_on_worker_lost) and the next attempt takes over once the dead one's session lock
    is gone; while it is still held, try again a little later, then leave it to the
    sweeper."""
    try:
        return runner.execute(job_id)
    except runner.Busy:
        try:
            raise self.retry(countdown=10, max_retries=6)
        except MaxRetriesExceededError:
            log.warning("job %s still held by another attempt; left to the sweeper", job_id)
            return None


@shared_task(name="matching.jobs.sweep")
def sweep_jobs() -> dict:
    """Beat, every minute: jobs whose worker died, jobs no worker took up (runner.sweep)."""
    return runner.sweep()
