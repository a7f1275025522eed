"""Jobs through the API: started (202), followed, cancelled, downloaded; each caller sees his
own, an auditor every one; another's job is a 404."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from matching import models as m
from matching.jobs.tasks import run_job

from ..imports.test_imports import receipts_csv

TODAY = datetime.date.today()


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_an_import_through_the_api(world):
    project = world.approved()
    content = receipts_csv([project.code, "5000.00", "UZS", TODAY.isoformat(), "API-1", "0", ""])
    alice = _api(world.alice)
    response = alice.post("/api/v1/jobs/imports/", {
        "kind": "receipts", "file": SimpleUploadedFile("r.csv", content)}, format="multipart")
    assert response.status_code == 202, response.json()
    job = response.json()
    assert (job["kind"], job["status"], job["author"], job["fraction"]) == (
        "import", "queued", "alice", "0.000")
    run_job(job["id"])
    done = alice.get(f"/api/v1/jobs/{job['id']}/").json()
    batch = m.ImportBatch.objects.get()
    assert (done["status"], done["import_batch"], done["fraction"]) == (
        "succeeded", batch.pk, "1.000")
    assert done["result"]["rows_created"] == 1 and done["download_url"] is None
    # the same file again: nothing imported twice, and the caller is told which import it was
    again = alice.post("/api/v1/jobs/imports/", {
        "kind": "receipts", "file": SimpleUploadedFile("r.csv", content)}, format="multipart")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "already_imported"
    assert m.Job.objects.count() == 1


def test_bad_import_requests_are_400_or_403(world):
    alice = _api(world.alice)
    assert alice.post("/api/v1/jobs/imports/", {"kind": "receipts"},
                      format="multipart").status_code == 400
    assert alice.post("/api/v1/jobs/imports/", {
        "kind": "receipts", "file": SimpleUploadedFile("r.pdf", b"%PDF")},
        format="multipart").status_code == 400
    assert alice.post("/api/v1/jobs/imports/", {
        "kind": "rates", "file": SimpleUploadedFile("r.csv", b"code,rate,date\n")},
        format="multipart").status_code == 403
    assert not m.Job.objects.exists()


def test_jobs_are_scoped_to_their_author_and_read_by_auditors(world):
    started = _api(world.alice).post("/api/v1/jobs/exports/", {
        "report": "funders", "format": "csv"}, format="json")
    assert started.status_code == 202
    pk = started.json()["id"]
    assert [j["id"] for j in _api(world.alice).get("/api/v1/jobs/").json()["results"]] == [pk]
    assert _api(world.charlie).get("/api/v1/jobs/").json()["results"] == []
    assert _api(world.charlie).get(f"/api/v1/jobs/{pk}/").status_code == 404
    assert _api(world.charlie).post(f"/api/v1/jobs/{pk}/cancel/").status_code == 404
    auditor = _api(world.auditor)
    assert auditor.get(f"/api/v1/jobs/{pk}/").json()["author"] == "alice"
    assert auditor.post(f"/api/v1/jobs/{pk}/cancel/").status_code == 403
    cancelled = _api(world.alice).post(f"/api/v1/jobs/{pk}/cancel/")
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    assert _api(world.alice).post(f"/api/v1/jobs/{pk}/cancel/").status_code == 409


def test_an_export_through_the_api_and_its_download(world):
    bob = _api(world.bob)
    response = bob.post("/api/v1/jobs/exports/", {"report": "iati", "format": "xml",
                                                  "filters": {"year": 2026}}, format="json")
    assert response.status_code == 202
    run_job(response.json()["id"])
    job = bob.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["download_url"].endswith(
        f"/api/v1/jobs/{job['id']}/download/")
    download = bob.get(f"/api/v1/jobs/{job['id']}/download/")
    assert download.status_code == 200
    assert b"<iati-activities" in b"".join(download.streaming_content)
    assert _api(world.dave).get(f"/api/v1/jobs/{job['id']}/download/").status_code == 404
    assert bob.post("/api/v1/jobs/exports/", {"report": "iati", "format": "csv"},
                    format="json").status_code == 400
    assert bob.post("/api/v1/jobs/exports/", {"report": "funders", "format": "csv",
                                              "filters": {"year": 1800}},
                    format="json").status_code == 400


def test_recompute_is_for_administrators(world):
    project = world.approved()
    world.receipt(project, "1000000.00")
    assert _api(world.alice).post("/api/v1/jobs/recompute/", {
        "fiscal_year": world.scheme.fiscal_year}, format="json").status_code == 403
    admin = _api(world.admin)
    assert admin.post("/api/v1/jobs/recompute/", {"fiscal_year": 2099},
                      format="json").status_code == 400
    response = admin.post("/api/v1/jobs/recompute/", {"fiscal_year": world.scheme.fiscal_year},
                          format="json")
    assert response.status_code == 202
    # one at a time per year
    assert admin.post("/api/v1/jobs/recompute/", {"fiscal_year": world.scheme.fiscal_year},
                      format="json").status_code == 409
    run_job(response.json()["id"])
    job = admin.get(f"/api/v1/jobs/{response.json()['id']}/").json()
    assert job["status"] == "succeeded" and job["result"]["projects"] == 1
    assert job["result"]["corrected"] == 0
