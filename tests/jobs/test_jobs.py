"""Background jobs in-process: started from the pages and the API, run by calling the task
directly (tests/tasks/test_job_worker.py runs them in real workers, killed and cancelled),
seen by their author and the auditors only, cancelled with nothing half-written."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from matching import models as m
from matching.imports import run_import
from matching.jobs import runner
from matching.jobs.progress import JobCancelled, Progress
from matching.jobs.tasks import run_job
from matching.services.jobs import import_job_start

from ..imports.test_imports import pledges_csv, receipts_csv, written

TODAY = datetime.date.today()


def _upload(client, user, content, kind="receipts", mode="all", name="r.csv"):
    client.force_login(user)
    return client.post(f"/imports/{kind}/", {
        "mode": mode, "file": SimpleUploadedFile(name, content, content_type="text/csv")})


def test_an_upload_starts_a_job_whose_page_leads_to_the_import_report(client, world):
    project = world.approved()
    content = receipts_csv([project.code, "1000000.00", "UZS", TODAY.isoformat(), "BANK-1",
                            "0", ""])
    response = _upload(client, world.alice, content)
    job = m.Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.kind, job.status, job.author, job.params["import_kind"]) == (
        "import", "queued", world.alice, "receipts")
    assert not m.Receipt.objects.exists()  # nothing imported in the request
    page = client.get(response["Location"]).content.decode()
    assert 'hx-get="/jobs/%s/progress/"' % job.pk in page and "Cancel" in page

    assert run_job(job.pk) == "succeeded"

    job.refresh_from_db()
    batch = m.ImportBatch.objects.get()
    assert (batch.job, batch.uploaded_by, batch.rows_created) == (job, world.alice, 1)
    assert job.result["batch"] == batch.pk and job.finished_at and job.attempts == 1
    assert not job.upload  # the uploaded file is dropped once imported
    assert m.Receipt.objects.get().reference == "BANK-1"
    page = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in page  # finished: the polling stops
    assert f"/imports/{batch.pk}/" in page and "1 rows imported" in page


def test_the_same_file_uploaded_again_goes_straight_to_its_report(client, world):
    project = world.approved()
    content = receipts_csv([project.code, "1000.00", "UZS", TODAY.isoformat(), "B-1", "0", ""])
    _upload(client, world.alice, content)
    run_job(m.Job.objects.get().pk)
    batch = m.ImportBatch.objects.get()
    response = _upload(client, world.alice, content)
    assert response["Location"] == f"/imports/{batch.pk}/" and m.Job.objects.count() == 1
    assert "nothing was written again" in client.get(response["Location"]).content.decode()


def test_a_refused_file_is_a_form_error_not_a_job(client, world):
    response = _upload(client, world.alice, b"%PDF-1.4", name="r.pdf")
    assert response.status_code == 400 and not m.Job.objects.exists()
    # a file of the wrong kind for the user's role: 403, no job
    assert _upload(client, world.bob, b"x", kind="pledges").status_code == 403


def test_a_file_that_cannot_be_read_fails_the_job_with_its_reason(client, world):
    _upload(client, world.alice, b"\xff\xfe not utf-8")
    job = m.Job.objects.get()
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == "The file is not UTF-8 text." and not m.ImportBatch.objects.exists()
    assert "The file is not UTF-8 text." in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_job_is_seen_by_its_author_and_the_auditors_only(client, world):
    project = world.approved()
    _upload(client, world.alice, receipts_csv([project.code, "1.00", "UZS",
                                                TODAY.isoformat(), "R", "0", ""]))
    job = m.Job.objects.get()
    for user, status in ((world.alice, 200), (world.auditor, 200), (world.charlie, 404),
                         (world.bob, 404), (world.admin, 200)):
        client.force_login(user)
        for url in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/progress/"):
            assert client.get(url).status_code == status, (user, url)
    client.logout()
    assert client.get(f"/jobs/{job.pk}/").status_code == 404
    # the auditor reads, and cancels nothing
    client.force_login(world.auditor)
    assert "Cancel" not in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    client.force_login(world.charlie)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == "queued" and job.cancel_requested_at is None


def test_a_job_cancelled_before_it_started_never_runs(client, world):
    project = world.approved()
    _upload(client, world.alice, receipts_csv([project.code, "1.00", "UZS",
                                                TODAY.isoformat(), "R", "0", ""]))
    job = m.Job.objects.get()
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 302
    job.refresh_from_db()
    assert job.status == "cancelled" and job.finished_at
    assert run_job(job.pk) is None
    assert not m.ImportBatch.objects.exists() and not m.Receipt.objects.exists()


class CancelledWhileWriting(Progress):
    """The author asks to cancel once the first chunk of receipts is written."""

    def advance(self, rows=1, *, check=True):
        if self.stage == "writing" and self.done == 0:
            m.Job.objects.filter(pk=self.job_id).update(cancel_requested_at=timezone.now())
            self._next_check = 0  # look now
        super().advance(rows, check=check)


@pytest.mark.parametrize("mode", ["all", "valid"])
def test_a_cancel_during_an_import_rolls_all_of_it_back(world, mode, monkeypatch):
    from matching.imports import receipts

    monkeypatch.setattr(receipts, "WRITE_CHUNK", 100)
    project = world.approved()
    content = receipts_csv(*[[project.code, "1000.00", "UZS", TODAY.isoformat(), f"R-{n}", "0",
                              ""] for n in range(300)])
    job = import_job_start(actor=world.alice, kind="receipts", mode=mode, filename="r.csv",
                           content=content).job
    m.Job.objects.filter(pk=job.pk).update(status="running")
    before = written()
    progress = CancelledWhileWriting(job.pk)
    # when the author cancels after the first 100 receipts and their ledger entries are written
    with pytest.raises(JobCancelled):
        run_import(kind="receipts", filename="r.csv", content=content, actor=world.alice,
                   mode=mode, progress=progress, job=job)
    # then nothing of the import remains: no receipt, entry, batch or event
    assert progress.snapshot() == {"stage": "writing", "step": 3, "steps": 4,
                                   "rows_done": 100, "rows_total": 300}
    assert written() == before and not m.ImportBatch.objects.exists()
    project.refresh_from_db()
    assert project.received == 0


def test_a_rerun_after_the_import_committed_imports_nothing_again(world):
    # given a worker that died after its import committed, before it marked the job done
    project = world.approved()
    content = pledges_csv([project.code, "100.00", "RUB", TODAY.isoformat()])
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=content).job
    m.Job.objects.filter(pk=job.pk).update(status="running", attempts=1)
    run_import(kind="pledges", filename="p.csv", content=content, actor=world.alice,
               mode="all", job=job)
    before = written()
    # when the task comes back
    assert run_job(job.pk) is None
    # then the job is finished with that import, and nothing was written twice
    job.refresh_from_db()
    batch = m.ImportBatch.objects.get()
    assert (job.status, job.result["batch"], job.attempts) == ("succeeded", batch.pk, 1)
    assert written() == before


def test_an_attempt_while_another_holds_the_job_is_busy(world):
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    with runner.side_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [runner.LOCK_SPACE, job.pk])
        with pytest.raises(runner.Busy):
            runner.execute(job.pk)
    job.refresh_from_db()
    assert job.status == "queued" and job.attempts == 0


def _stale(job, attempts):
    m.Job.objects.filter(pk=job.pk).update(
        status="running", attempts=attempts,
        heartbeat_at=timezone.now() - datetime.timedelta(minutes=5))


def test_the_sweeper_queues_again_a_job_whose_worker_died(world, django_capture_on_commit_callbacks,
                                                          monkeypatch):
    sent = []
    monkeypatch.setattr(runner, "enqueue", lambda job_id, kind: sent.append((job_id, kind)) or 1)
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    _stale(job, attempts=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert runner.sweep()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == "queued" and "stopped (last sign of life at" in job.error
    assert (job.pk, "import") in sent


def test_the_sweeper_fails_a_job_after_its_last_attempt_with_the_reason(world):
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    _stale(job, attempts=3)
    assert runner.sweep()["failed"] == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at
    assert "The worker running this job stopped" in job.error and "3 attempts" in job.error


def test_the_sweeper_leaves_alone_a_silent_job_whose_worker_still_holds_it(world):
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    _stale(job, attempts=1)
    with runner.side_connection() as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [runner.LOCK_SPACE, job.pk])
        assert runner.sweep()["alive"] == 1
    job.refresh_from_db()
    assert job.status == "running"


def test_the_sweeper_hands_again_a_job_no_worker_took_up(world, monkeypatch):
    sent = []
    monkeypatch.setattr(runner, "enqueue", lambda job_id, kind: sent.append(job_id) or 1)
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    assert runner.sweep()["resent"] == 1 and sent == [job.pk]  # never handed out
    sent.clear()
    m.Job.objects.filter(pk=job.pk).update(enqueued_at=timezone.now())
    assert runner.sweep()["resent"] == 0 and sent == []


def test_progress_shows_rows_and_time_left_while_running(client, world):
    job = import_job_start(actor=world.alice, kind="pledges", mode="all", filename="p.csv",
                           content=pledges_csv(["X", "1", "RUB", "2030-01-01"])).job
    m.Job.objects.filter(pk=job.pk).update(
        status="running", stage="checking", step=2, steps=3, rows_done=40_000,
        rows_total=100_000, started_at=timezone.now() - datetime.timedelta(seconds=56))
    client.force_login(world.alice)
    page = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    # (1 + 0.4) / 3 done in 56 s: 64 s left
    assert "40,000 of 100,000 rows" in page and "step 2 of 3" in page
    assert "about 65 seconds left" in page and 'value="466"' in page
    assert 'hx-trigger="every 1s"' in page


def test_job_lists_take_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    m.Job.objects.bulk_create(
        [m.Job(kind="import", author=world.alice, status="succeeded",
               params={"filename": f"{n}.csv"}) for n in range(6)]
        + [m.Job(kind="export", author=world.alice, status="failed",
                 params={"report": "funders", "format": "csv"}) for n in range(6)])
    client.force_login(world.alice)
    with django_assert_max_num_queries(6):
        assert client.get("/jobs/").status_code == 200
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/jobs/").json()["results"]) == 12


def test_the_recompute_command_starts_the_job_in_the_background(world):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    year = str(world.scheme.fiscal_year)
    call_command("recompute_matches", "--fiscal-year", year, "--background", stdout=out)
    job = m.Job.objects.get()
    assert (job.kind, job.author, job.params["fiscal_year"]) == ("recompute", world.admin,
                                                                 world.scheme.fiscal_year)
    assert f"Job {job.pk} queued" in out.getvalue()
    with pytest.raises(CommandError, match="being recomputed already"):
        call_command("recompute_matches", "--fiscal-year", year, "--background")


@pytest.mark.django_db(transaction=True)
def test_two_administrators_re_matching_a_year_at_the_same_moment_start_one_job(
        world, monkeypatch):
    from matching.errors import Conflict
    from matching.services.jobs import recompute_job_start
    from tests.concurrency import race, widen_the_window

    widen_the_window(monkeypatch)
    year = world.scheme.fiscal_year
    other = m.User.objects.create_user("programme2", role=m.Role.ADMINISTRATOR)
    results = race([lambda: recompute_job_start(actor=world.admin, fiscal_year=year),
                    lambda: recompute_job_start(actor=other, fiscal_year=year)])
    job = m.Job.objects.get(kind=m.JobKind.RECOMPUTE)
    assert job in results
    assert [type(r) for r in results if r != job] == [Conflict]
