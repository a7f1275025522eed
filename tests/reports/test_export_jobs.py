"""Whole-programme downloads through background jobs: a link leads to a page that starts one
(a GET starts nothing), the job builds the file, its author (a visitor: his session)
downloads it; nobody else sees it."""

import csv
import io
import json

import pytest
from django.test import Client
from openpyxl import load_workbook

from matching import models as m
from matching.jobs.tasks import run_job


def _prepare(client, url, query=None):
    """Follow a download link to the job's finished file; returns (job, response)."""
    response = client.get(url, query or {})
    assert response.status_code == 303
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Prepare the file" in page.content.decode()
    assert not m.Job.objects.exists()  # a GET starts nothing
    form = dict(item.split("=", 1) for item in response["Location"].split("?", 1)[1].split("&"))
    started = client.post("/jobs/exports/new/", form)
    job = m.Job.objects.get()
    assert started.status_code == 302 and started["Location"] == f"/jobs/{job.pk}/"
    assert run_job(job.pk) == "succeeded"
    job.refresh_from_db()
    return job, client.get(f"/jobs/{job.pk}/download/")


@pytest.mark.parametrize("name, fmt", [("funders", "csv"), ("associations", "xlsx"),
                                       ("leverage", "json"), ("regional", "json")])
def test_a_visitor_prepares_and_downloads_a_whole_programme_report(client, programme, name,
                                                                   fmt):
    job, response = _prepare(client, f"/reports/{name}.{fmt}",
                             {"year": programme.world.scheme.fiscal_year})
    assert (job.author, bool(job.session_key), job.kind) == (None, True, "export")
    assert response.status_code == 200 and response["Content-Disposition"].startswith(
        "attachment")
    body = b"".join(response.streaming_content)
    if fmt == "json":
        assert json.loads(body)["tables"]
    elif fmt == "xlsx":
        assert load_workbook(io.BytesIO(body)).sheetnames
    else:
        assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[0]
    # another visitor does not even learn that the job exists
    stranger = Client()
    assert stranger.get(f"/jobs/{job.pk}/").status_code == 404
    assert stranger.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_the_whole_programme_iati_document(client, programme):
    job, response = _prepare(client, "/reports/iati.xml")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"<?xml") and body.count(b"<iati-activity ") == 3
    assert (job.rows_done, job.rows_total) == (3, 3) and job.result_name == "hashar-iati-all.xml"
    assert "Download hashar-iati-all.xml" in client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_logged_in_reader_owns_his_export_and_asking_twice_starts_it_once(client, programme):
    client.force_login(programme.world.bob)
    for _twice in range(2):
        client.post("/jobs/exports/new/", {"report": "funders", "format": "csv"})
    job = m.Job.objects.get()
    assert job.author == programme.world.bob and job.session_key == ""
    client.force_login(programme.world.dave)
    assert client.get(f"/jobs/{job.pk}/").status_code == 404


def test_a_table_the_report_does_not_have_fails_the_job_with_the_names(client, programme):
    client.post("/jobs/exports/new/", {"report": "regional", "format": "csv", "table": "nope"})
    job = m.Job.objects.get()
    assert run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error.startswith("Choose one of: districts")


def test_bad_filters_start_nothing(client, programme):
    response = client.post("/jobs/exports/new/", {"report": "funders", "format": "csv",
                                                   "year": "1800"})
    assert response.status_code == 400 and not m.Job.objects.exists()
    assert client.get("/jobs/exports/new/", {"report": "nope", "format": "csv"}).status_code \
        == 404


def test_visitors_are_limited_in_how_many_files_they_prepare_at_once(client, programme):
    for year in range(2020, 2026):
        response = client.post("/jobs/exports/new/", {"report": "funders", "format": "csv",
                                                       "year": year})
    assert m.Job.objects.count() == 5
    assert response.status_code == 409 and "wait for one to finish" in response.content.decode()


def test_an_export_file_is_removed_after_a_month_and_the_job_says_so(client, programme):
    import datetime

    from django.utils import timezone

    from matching.jobs import runner

    job, response = _prepare(client, "/reports/funders.csv")
    assert response.status_code == 200
    name = job.result_file.name
    assert job.result_file.storage.exists(name)
    assert runner.sweep()["files_removed"] == 0
    later = timezone.now() + datetime.timedelta(days=31)
    assert runner.sweep(now=later)["files_removed"] == 1
    job.refresh_from_db()
    assert not job.result_file and not job.result_file.storage.exists(name)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert "prepare it again" in client.get(f"/jobs/{job.pk}/").content.decode()
