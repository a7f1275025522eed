"""Background jobs in real Celery workers (a private Redis, this run's database): progress
seen while the work's transaction is open, a cancel that leaves nothing, a worker killed
mid-job (the task comes back; or the whole worker is gone and the sweeper queues the job
again) with the file imported exactly once, a long import that does not hold up a reminder
on its own queue, and a call's allocation solved by a worker.

A long import, at a known point: a colleague's upload of the same file holds the batch's
unique key in an open transaction (`held_batch_key`), so the job's own batch insert waits
for it after every row has been checked, until the test lets go."""

import datetime
import os
import signal
import time

import pytest
from django.utils import timezone

from matching import ledger
from matching import models as m
from matching.imports.engine import file_hash
from matching.jobs import runner
from matching.notifications import tasks as reminder_tasks
from matching.services.jobs import allocation_job_start, import_job_start, job_cancel

from ..imports.test_imports import receipts_csv
from .conftest import wait_for

pytestmark = pytest.mark.slow
TODAY = datetime.date.today()
ROWS = 300


class HeldBatchKey:
    """An open transaction holding a batch of `content` by `user`: an import of the same file
    by the same person waits on the batch's unique index until `release()`."""

    def __init__(self, user, content, kind="receipts"):
        self.connection = runner.side_connection(autocommit=False)
        self.connection.execute("""
            INSERT INTO matching_importbatch (kind, sha256, filename, mode, status, rows_total,
                rows_created, rows_skipped, rows_failed, uploaded_by_id, created_at)
            VALUES (%s, %s, 'held.csv', 'all', 'imported', 0, 0, 0, 0, %s, now())""",
                                [kind, file_hash(content), user.pk])

    def release(self):
        if not self.connection.closed:
            self.connection.rollback()
            self.connection.close()


@pytest.fixture
def held():
    holders = []

    def hold(user, content):
        holder = HeldBatchKey(user, content)
        holders.append(holder)
        return holder

    yield hold
    for holder in holders:
        holder.release()


def _file(world):
    project = world.approved()
    return project, receipts_csv(*[[project.code, "1000.00", "UZS", TODAY.isoformat(),
                                    f"R-{n}", "0", ""] for n in range(ROWS)])


def _under_way(world, held, content):
    """An import of `content` by alice, started, every row checked, waiting to write its
    batch until the holder is released: (holder, job)."""
    holder = held(world.alice, content)
    job = import_job_start(actor=world.alice, kind="receipts", mode="all", filename="r.csv",
                           content=content).job
    wait_for(lambda: _blocked(job.pk), timeout=60, what="every row checked")
    return holder, job


def _job(pk) -> m.Job:
    return m.Job.objects.get(pk=pk)


def _blocked(pk) -> m.Job | None:
    """The job, once every row is checked and it waits to write its batch."""
    job = _job(pk)
    return job if (job.status, job.stage, job.rows_done) == ("running", "checking", ROWS) \
        else None


def test_progress_is_seen_while_the_import_runs_and_a_cancel_leaves_nothing(
        world, start_worker, held, client):
    project, content = _file(world)
    start_worker()
    holder, job = _under_way(world, held, content)

    # the rows checked so far are on the page while the import's transaction is open
    running = _job(job.pk)
    assert (running.step, running.steps, running.rows_total, running.attempts) == (2, 4, ROWS, 1)
    client.force_login(world.alice)
    page = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f"{ROWS} of {ROWS} rows" in page and "Checking rows" in page and "Cancel" in page
    beat = running.heartbeat_at  # the heartbeat goes on during a statement that waits
    wait_for(lambda: _job(job.pk).heartbeat_at > beat, timeout=10, what="a heartbeat")

    job_cancel(actor=world.alice, job=running)
    holder.release()

    cancelled = wait_for(lambda: _job(job.pk).status == "cancelled" and _job(job.pk),
                         timeout=30, what="the cancel")
    assert cancelled.finished_at and not cancelled.error
    assert not m.Receipt.objects.exists() and not m.ImportBatch.objects.exists()
    project.refresh_from_db()
    assert project.received == 0 and ledger.verify() == []


def test_a_worker_killed_mid_import_retries_it_and_imports_the_file_once(
        world, start_worker, held):
    project, content = _file(world)
    worker = start_worker()
    holder, job = _under_way(world, held, content)

    # the process running the job dies; its database session dies once it is let go
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    holder.release()

    # the task came back (acks_late): it waits for the dead attempt's lock, then imports
    done = wait_for(lambda: _job(job.pk).status == "succeeded" and _job(job.pk), timeout=90,
                    what="the retried job")
    assert done.attempts == 2
    batch = m.ImportBatch.objects.get()
    assert (batch.job_id, batch.rows_created) == (job.pk, ROWS)
    assert m.Receipt.objects.count() == ROWS
    project.refresh_from_db()
    assert project.received == ROWS * 1000 and ledger.verify() == []


def test_a_worker_gone_for_good_is_noticed_by_the_sweeper_and_the_file_imported_once(
        world, start_worker, held):
    project, content = _file(world)
    worker = start_worker()
    holder, job = _under_way(world, held, content)

    # the whole worker is gone (its message stays unacknowledged in the broker for an hour)
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)
    holder.release()
    # no heartbeat any more
    beat = _job(job.pk).heartbeat_at
    time.sleep(2)
    assert _job(job.pk).heartbeat_at == beat and _job(job.pk).status == "running"

    # beat's sweeper, a minute later: the session's lock is gone, the job is queued again
    later = timezone.now() + datetime.timedelta(seconds=120)
    wait_for(lambda: runner.sweep(now=later)["requeued"] == 1, timeout=30,
             what="the dead session's lock to go")
    assert _job(job.pk).status == "queued" and "stopped" in _job(job.pk).error
    start_worker(name="w2")

    done = wait_for(lambda: _job(job.pk).status == "succeeded" and _job(job.pk), timeout=90,
                    what="the job on the new worker")
    assert done.attempts == 2
    assert m.ImportBatch.objects.get().rows_created == ROWS
    assert m.Receipt.objects.count() == ROWS and ledger.verify() == []


def test_a_long_import_does_not_hold_up_a_reminder(world, start_worker, held):
    # given a worker for the imports and one for everything else, as docker-compose runs them
    project, content = _file(world)
    imports = start_worker(queues=["imports"], name="imports")
    others = start_worker(queues=["reminders", "webhooks", "exports", "default"],
                          name="others")
    holder, job = _under_way(world, held, content)

    # when a tranche falls due while the import runs
    m.Tranche.objects.filter(commitment__project=project).update(due_on=datetime.date(2099, 1, 1))
    tranche = m.Tranche.objects.get(commitment__project=project, commitment__role="district",
                                    number=1)
    m.Tranche.objects.filter(pk=tranche.pk).update(due_on=timezone.localdate())
    reminder_tasks.dispatch_reminders.delay()

    # then its reminders go out, the import still running
    wait_for(lambda: set(m.Reminder.objects.filter(subject_type="tranche", subject_id=tranche.pk)
                         .values_list("status", flat=True)) == {"sent"},
             timeout=30, what="the reminders")
    assert _job(job.pk).status == "running"
    assert "send_reminders[" in others.log.read_text()
    assert "send_reminders[" not in imports.log.read_text()
    holder.release()
    wait_for(lambda: _job(job.pk).status == "succeeded", timeout=60, what="the import")
    assert m.Receipt.objects.count() == ROWS


def test_a_calls_allocation_is_solved_by_a_worker_of_the_imports_queue(stage, start_worker):
    with stage.after_close():
        stage.score_all()
        worker = start_worker(queues=["imports"], name="imports")
        job = allocation_job_start(actor=stage.admin, call=stage.call, time_limit=20)
    done = wait_for(lambda: _job(job.pk).status == "succeeded" and _job(job.pk), timeout=60,
                    what="the allocation")
    run = m.AllocationRun.objects.get()
    assert (done.result["run"], run.call, run.created_by) == (run.pk, stage.call, stage.admin)
    assert run.optimal and len(run.chosen) == done.result["funded"] > 0
    assert "matching.jobs.run[" in worker.log.read_text()
