"""The allocation page hands the solver to a background job (it may take minutes, longer
than a request may): refusals still land on the form at once, the job's page follows it and
leads to the proposal, one proposal runs at a time per call, and a cancel keeps nothing."""

import pytest
from django.urls import reverse

from matching import allocation
from matching import models as m
from matching.errors import Conflict
from matching.jobs.tasks import run_job
from matching.services import jobs, selection
from tests.concurrency import race, widen_the_window


def _propose(client, call, seconds="20"):
    return client.post(reverse("setup-call-allocation", args=[call.pk]), {"time_limit": seconds})


def test_the_page_starts_a_job_whose_page_leads_to_the_proposal(stage, login):
    admin = login(stage.admin)
    call = stage.call
    with stage.after_close():
        stage.score_all()
        response = _propose(admin, call)
        job = m.Job.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
        assert (job.kind, job.status, job.author, job.params["call"], job.params["time_limit"]
                ) == ("allocation", "queued", stage.admin, call.pk, 20)
        assert not m.AllocationRun.objects.exists()  # nothing solved in the request
        page = admin.get(reverse("setup-call-allocation", args=[call.pk])).content.decode()
        assert f"being proposed in the background (job {job.pk})" in page
        assert "Propose the allocation" not in page  # no second start while it runs
        assert f"Allocation of {call.code}" in admin.get(f"/jobs/{job.pk}/").content.decode()

        assert run_job(job.pk) == "succeeded"

        run = m.AllocationRun.objects.get()
        job.refresh_from_db()
        assert (run.call, run.created_by, run.time_limit) == (call, stage.admin, 20)
        assert job.result == {"call": call.pk, "code": call.code, "run": run.pk,
                              "optimal": True, "funded": len(run.chosen)}
        progress = admin.get(f"/jobs/{job.pk}/progress/").content.decode()
        assert "hx-trigger" not in progress and "It is proven the best possible." in progress
        assert reverse("setup-call-allocation", args=[call.pk]) in progress
        page = admin.get(reverse("setup-call-allocation", args=[call.pk])).content.decode()
        assert "proven optimal" in page and "Propose again" in page


def test_one_proposal_at_a_time_per_call(stage, login, regions):
    call = stage.call
    with stage.after_close():
        stage.score_all()
        admin = login(stage.admin)
        first = _propose(admin, call)
        assert _propose(admin, call)["Location"] == first["Location"]  # his own, again
        other = login(regions.programme)
        response = _propose(other, call)
        job = m.Job.objects.get()
        assert response.status_code == 409
        assert f"being proposed already (job {job.pk})" in response.content.decode()
        assert m.Job.objects.count() == 1


def test_refusals_land_on_the_form_before_any_job(stage, login):
    admin = login(stage.admin)
    with stage.after_close():
        response = _propose(admin, stage.call)  # nobody has scored yet
        assert response.status_code == 409 and "not fully scored" in response.content.decode()
        stage.score_all()
        response = _propose(admin, stage.call, str(allocation.MAX_TIME_LIMIT + 1))
        assert response.status_code == 400
        assert str(allocation.MAX_TIME_LIMIT) in response.content.decode()
    assert not m.Job.objects.exists()


@pytest.mark.parametrize("when", ["queued", "solving"])
def test_a_cancelled_allocation_keeps_no_proposal(stage, login, monkeypatch, when):
    admin = login(stage.admin)
    with stage.after_close():
        stage.score_all()
        _propose(admin, stage.call)
        job = m.Job.objects.get()
        if when == "queued":
            assert admin.post(f"/jobs/{job.pk}/cancel/").status_code == 302
            assert run_job(job.pk) is None
        else:  # the author cancels while the solver runs: honoured when it returns
            solve = allocation.exact

            def cancelled_meanwhile(problem, **options):
                found = solve(problem, **options)
                admin.post(f"/jobs/{job.pk}/cancel/")
                return found

            monkeypatch.setattr(selection.allocation, "exact", cancelled_meanwhile)
            assert run_job(job.pk) == "cancelled"
    job.refresh_from_db()
    assert job.status == "cancelled" and not m.AllocationRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_administrators_proposing_at_the_same_moment_start_one_job(stage, regions,
                                                                        monkeypatch):
    # each starter looks for a running job, then creates one: the window between the two is
    # widened, and the second starter must still find the first's job
    widen_the_window(monkeypatch)
    call = stage.call
    with stage.after_close():
        stage.score_all()
        results = race([
            lambda: jobs.allocation_job_start(actor=stage.admin, call=call, time_limit=20),
            lambda: jobs.allocation_job_start(actor=regions.programme, call=call,
                                                  time_limit=20)])
    job = m.Job.objects.get(kind=m.JobKind.ALLOCATION)
    assert job in results
    assert [type(r) for r in results if r != job] == [Conflict]
