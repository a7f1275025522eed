"""What the clerk's offline queue sends, as the forms she typed them in (multipart):
progress reports through the API (the works service's rules as 4xx on their fields, photos,
milestones moved, the scope) and pledges; an Idempotency-Key records each once however
often it is sent."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import services
from matching.demo import images
from matching.models import Evidence, Pledge, ProgressReport

REPORTS = "/api/v1/progress-reports/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def works(world):
    project = world.in_progress()
    services.milestones_set(project=project, actor=world.alice, milestones=[
        services.works.MilestoneInput(id=None, title="Trench", planned_on=datetime.date(2030, 1, 1),
                                      share=Decimal("40")),
        services.works.MilestoneInput(id=None, title="Pipe", planned_on=datetime.date(2030, 6, 1),
                                      share=Decimal("60"))])
    return project


def report(project, **over):
    trench = project.milestones.get(title="Trench")
    photo = images.photo(taken_at=timezone.now() - datetime.timedelta(days=1))
    return {"project": project.pk, "reported_on": timezone.localdate().isoformat(),
            "text": "Trench dug.", f"progress.{trench.pk}": "100",
            "photos": [SimpleUploadedFile("a.jpg", photo, "image/jpeg"),
                       SimpleUploadedFile("b.jpg", photo, "image/jpeg")], **over}


def test_a_clerk_reports_progress_with_photos(world, works, as_user):
    response = as_user(world.alice).post(REPORTS, report(works), format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["photos"] == 2 and body["progress"] == "40.00"
    assert works.milestones.get(title="Trench").progress == Decimal("100")
    assert Evidence.objects.filter(progress_report_id=body["id"]).count() == 2


def test_the_list_of_reports_takes_the_same_queries_for_one_or_four(world, works, as_user):
    client = as_user(world.alice)

    def listed():
        with CaptureQueriesContext(connection) as queries:
            photos = [r["photos"] for r in client.get(REPORTS).json()["results"]]
        return photos, len(queries)

    assert client.post(REPORTS, report(works), format="multipart").status_code == 201
    one, queries_for_one = listed()
    for _n in range(3):
        assert client.post(REPORTS, report(works), format="multipart").status_code == 201
    four, queries_for_four = listed()
    assert (one, four) == ([2], [2] * 4)
    assert queries_for_four == queries_for_one <= 6


def test_the_same_report_sent_twice_with_its_key_is_recorded_once(world, works, as_user):
    client = as_user(world.alice)
    first = client.post(REPORTS, report(works), format="multipart",
                        HTTP_IDEMPOTENCY_KEY="offline-1")
    again = client.post(REPORTS, report(works), format="multipart",
                        HTTP_IDEMPOTENCY_KEY="offline-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ProgressReport.objects.count() == 1 and Evidence.objects.filter(
        progress_report__isnull=False).count() == 2


@pytest.mark.parametrize("_case, change, status, field", [
    ("no text", {"text": "  "}, 400, "text"),
    ("a date in the future", {"reported_on": "2099-01-01"}, 400, "reported_on"),
    ("not a photo", {"photos": [SimpleUploadedFile("a.jpg", b"not an image", "image/jpeg")]},
     400, "photos"),
    ("over 100 per cent", {"progress.1": "150"}, 400, "progress"),
])
def test_refusals_name_their_field_and_write_nothing(world, works, as_user, _case, change,
                                                     status, field):
    response = as_user(world.alice).post(REPORTS, report(works, **change), format="multipart")
    assert response.status_code == status, response.json()
    assert response.json()["errors"][0]["attr"].split(".")[0] == field
    assert not ProgressReport.objects.exists() and not Evidence.objects.filter(
        progress_report__isnull=False).exists()


def test_a_project_not_in_progress_refuses_reports(world, as_user):
    project = world.approved()
    response = as_user(world.alice).post(REPORTS, {
        "project": project.pk, "reported_on": timezone.localdate().isoformat(),
        "text": "Nothing yet."}, format="multipart")
    assert response.status_code == 409
    assert "in progress" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize("who", ["charlie", "migrant", "auditor", None])
def test_others_cannot_report_on_alices_project(world, works, as_user, who):
    client = as_user(getattr(world, who) if who else None)
    response = client.post(REPORTS, report(works), format="multipart")
    assert response.status_code in {400, 401, 403}
    if response.status_code == 400:  # out of scope reads as a project that does not exist
        assert response.json()["errors"][0]["attr"] == "project"
    assert not ProgressReport.objects.exists()
    assert client.get(REPORTS).json().get("results", []) == []


def test_a_clerks_pledge_sent_as_a_form_twice_is_recorded_once(world, as_user):
    project = world.approved()
    client = as_user(world.alice)
    body = {"project": str(project.pk), "amount": "250000.50", "currency": "RUB",
            "expected_on": "2030-06-30"}
    first = client.post("/api/v1/pledges/", body, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="pledge-offline-1")
    again = client.post("/api/v1/pledges/", body, format="multipart",
                        HTTP_IDEMPOTENCY_KEY="pledge-offline-1")
    assert first.status_code == again.status_code == 201, first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Pledge.objects.get().amount == Decimal("250000.50")


EVIDENCE = "/api/v1/evidence/"


def evidence_body(project, **over):
    photo = images.photo(taken_at=timezone.now() - datetime.timedelta(days=1))
    return {"project": str(project.pk), "kind": "photo", "description": "Trench dug",
            "quantity": "300 m", "file": SimpleUploadedFile("trench.jpg", photo, "image/jpeg"),
            **over}


def test_evidence_uploaded_twice_with_its_key_is_recorded_once(world, as_user):
    project = world.approved()
    client = as_user(world.alice)
    first = client.post(EVIDENCE, evidence_body(project), format="multipart",
                        HTTP_IDEMPOTENCY_KEY="evidence-offline-1")
    again = client.post(EVIDENCE, evidence_body(project), format="multipart",
                        HTTP_IDEMPOTENCY_KEY="evidence-offline-1")
    assert first.status_code == again.status_code == 201, first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and again.json() == first.json()
    evidence = Evidence.objects.get()
    assert (evidence.kind, evidence.quantity, evidence.uploaded_by) == ("photo", "300 m",
                                                                        world.alice)
    assert evidence.thumbnail and first.json()["project_code"] == project.code
    assert [row["id"] for row in client.get(EVIDENCE).json()["results"]] == [evidence.pk]


@pytest.mark.parametrize("_case, change, field", [
    ("not a known kind", {"kind": "selfie"}, "kind"),
    ("no file", {"file": ""}, "file"),
    ("a file of another type", {"file": SimpleUploadedFile("a.exe", b"MZ", "x/y")}, "file"),
    ("content not its type", {"file": SimpleUploadedFile("a.pdf", b"nope", "x/y")}, "file"),
])
def test_bad_evidence_names_its_field_and_writes_nothing(world, as_user, _case, change, field):
    response = as_user(world.alice).post(EVIDENCE, evidence_body(world.approved(), **change),
                                         format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["errors"][0]["attr"] == field
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "migrant", "auditor", None])
def test_others_cannot_upload_evidence_on_alices_project(world, as_user, who):
    project = world.approved()
    world.evidence(project)
    client = as_user(getattr(world, who) if who else None)
    response = client.post(EVIDENCE, evidence_body(project), format="multipart")
    assert response.status_code in {400, 401, 403}
    if response.status_code == 400:  # out of scope reads as a project that does not exist
        assert response.json()["errors"][0]["attr"] == "project"
    assert Evidence.objects.count() == 1
    if who == "charlie":  # and he does not see hers
        assert client.get(EVIDENCE).json()["results"] == []
