"""The same file uploaded twice: by the same person, her batch back and nothing written; by a
colleague, a batch of her own (which she can open) whose rows are all already imported."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import ledger
from matching import models as m
from matching.imports import run_import
from matching.jobs.tasks import run_job

from ..concurrency import race
from ..factories import UserFactory
from .test_imports import ALL, VALID, pledges_csv, receipts_csv, written

TODAY = datetime.date.today()


@pytest.fixture
def alma(world):
    """A second clerk of alice's mahalla: the same scope, her own imports."""
    return UserFactory(username="alma", role=m.Role.CLERK, mahallas=[world.mahalla_a])


def test_a_colleague_uploading_the_same_pledges_gets_her_own_batch_and_nothing_twice(
        world, alma):
    a, b = world.submitted(), world.submitted(title="Second")
    content = pledges_csv([a.code, "100.00", "RUB", TODAY.isoformat()],
                          [b.code, "250.00", "USD", TODAY.isoformat()])
    first, created = run_import(kind="pledges", filename="p.csv", content=content,
                                actor=world.alice, mode=ALL)
    assert created and first.rows_created == 2
    before = written()
    hers, created = run_import(kind="pledges", filename="same.csv", content=content,
                               actor=alma, mode=ALL)
    assert created and hers.pk != first.pk and hers.uploaded_by == alma
    assert (hers.status, hers.rows_total, hers.rows_created, hers.rows_skipped) == (
        "imported", 2, 0, 2)
    assert written() == before  # no pledge twice, no event
    assert sorted(hers.rows.values_list("line", "outcome")) == [(2, "skipped"), (3, "skipped")]
    # alice uploading it again gets her own batch back; alma too
    again, created = run_import(kind="pledges", filename="p.csv", content=content,
                                actor=world.alice, mode=VALID)
    assert (again.pk, created) == (first.pk, False)
    again, created = run_import(kind="pledges", filename="p.csv", content=content,
                                actor=alma, mode=ALL)
    assert (again.pk, created) == (hers.pk, False)
    assert written() == before and m.ImportBatch.objects.count() == 2


def test_a_colleague_uploading_the_same_receipts_sees_her_batch_and_nothing_is_paid_twice(
        client, world, alma):
    project = world.approved()
    content = receipts_csv([project.code, "1000000.00", "UZS", TODAY.isoformat(), "BANK-1",
                            "0", ""],
                           [project.code, "500000.00", "UZS", TODAY.isoformat(), "BANK-2",
                            "1000.00", ""])

    def upload(user):
        client.force_login(user)
        response = client.post("/imports/receipts/", {
            "mode": "all", "file": SimpleUploadedFile("r.csv", content,
                                                      content_type="text/csv")})
        assert response.status_code == 302
        location = response["Location"]
        if location.startswith("/jobs/"):  # a new file: imported by a background job
            job_id = int(location.strip("/").split("/")[-1])
            assert run_job(job_id) == "succeeded"
            location = f"/imports/{m.Job.objects.get(pk=job_id).import_batch.pk}/"
        page = client.get(location)
        assert page.status_code == 200  # her batch: in her scope
        return m.ImportBatch.objects.get(pk=location.strip("/").split("/")[-1]), \
            page.content.decode()

    first, _page = upload(world.alice)
    project.refresh_from_db()
    received, before = project.received, written()
    assert first.rows_created == 2 and received == Decimal("1500000.00")

    hers, page = upload(alma)
    assert hers.pk != first.pk and hers.uploaded_by == alma
    assert (hers.rows_created, hers.rows_skipped) == (0, 2)
    assert "already imported: nothing was written again" not in page  # a new batch of hers
    assert written() == before and ledger.verify() == []
    project.refresh_from_db()
    assert project.received == received
    # she does not see alice's batch; alice re-uploading is told nothing was written again
    assert client.get(f"/imports/{first.pk}/").status_code == 404
    again, page = upload(world.alice)
    assert again.pk == first.pk and "nothing was written again" in page
    assert written() == before


@pytest.mark.django_db(transaction=True)
def test_two_clerks_uploading_the_same_receipts_at_once_pay_them_once(world, alma):
    project = world.approved()
    alma.refresh_from_db()
    content = receipts_csv(*[[project.code, "100000.00", "UZS", TODAY.isoformat(), f"R-{n}",
                              "0", ""] for n in range(5)])

    def upload(user):
        return lambda: run_import(kind="receipts", filename="r.csv", content=content,
                                  actor=user, mode=ALL)

    results = race([upload(world.alice), upload(alma), upload(world.alice)])
    assert not [r for r in results if isinstance(r, Exception)], results
    batches = {batch.pk: batch for batch, _created in results}
    assert len(batches) == 2  # alice's (returned to her second upload too) and alma's
    assert sum(created for _batch, created in results) == 2
    assert sorted((b.uploaded_by.username, b.rows_created, b.rows_skipped)
                  for b in m.ImportBatch.objects.all()) in (
        [("alice", 0, 5), ("alma", 5, 0)], [("alice", 5, 0), ("alma", 0, 5)])
    project.refresh_from_db()
    assert m.Receipt.objects.count() == 5 and project.received == Decimal("500000.00")
    assert ledger.verify() == []
