"""Pledges and receipts through the API: services' rules as 4xx with fields, translations,
proof uploads, and Idempotency-Key replays (also concurrent, against real PostgreSQL)."""

import datetime
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from rest_framework.test import APIClient

from matching.models import IdempotencyKey, Pledge, Receipt

PLEDGES, RECEIPTS = "/api/v1/pledges/", "/api/v1/receipts/"
PDF = b"%PDF-1.4 proof of transfer"


def pledge_body(for_project, **over):
    return {"project": for_project.pk, "amount": "250000.00", "currency": "RUB",
            "expected_on": "2030-06-30", **over}


def test_association_pledges_on_its_own_project(world, projects, as_user):
    response = as_user(world.migrant).post(PLEDGES, pledge_body(projects[0]), format="json")
    assert response.status_code == 201
    assert response.json()["amount"] == "250000.00"
    assert Pledge.objects.get().announced_by == world.migrant


@pytest.mark.parametrize("_case, change, status, field", [
    ("negative amount", {"amount": "-5"}, 400, "amount"),
    ("not a number", {"amount": "lots"}, 400, "amount"),
    ("NaN", {"amount": "NaN"}, 400, "amount"),
    ("unknown currency", {"currency": "XYZ"}, 400, "currency"),
    ("three decimals in RUB", {"amount": "1.234"}, 400, "amount"),
    ("bad date", {"expected_on": "tomorrow"}, 400, "expected_on"),
    ("no project", {"project": None}, 400, "project"),
])
def test_bad_pledges_are_refused_with_the_field(world, projects, as_user, _case, change,
                                                status, field):
    response = as_user(world.migrant).post(PLEDGES, pledge_body(projects[0], **change),
                                           format="json")
    assert response.status_code == status, response.json()
    assert field in {e["attr"] for e in response.json()["errors"]}
    assert not Pledge.objects.exists()


def test_lapsed_association_cannot_pledge(world, projects, as_user):
    world.association.valid_until = datetime.date.today() - datetime.timedelta(days=1)
    world.association.save()
    response = as_user(world.migrant).post(PLEDGES, pledge_body(projects[0]), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "association_lapsed"
    assert not Pledge.objects.exists()


def test_errors_are_translated_by_accept_language(world, projects, as_user):
    response = as_user(world.migrant).post(PLEDGES, {"project": projects[0].pk},
                                           format="json", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 400
    assert "Обязательное поле." in {e["detail"] for e in response.json()["errors"]}


def test_someone_elses_project_reads_as_missing(world, projects, as_user):
    response = as_user(world.stranger).post(PLEDGES, pledge_body(projects[0]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "project"
    assert not Pledge.objects.exists()


def test_clerk_records_a_receipt_with_proof(world, projects, as_user):
    proof = SimpleUploadedFile("transfer.pdf", PDF, content_type="application/pdf")
    response = as_user(world.alice).post(RECEIPTS, {
        "project": projects[0].pk, "amount": "200000.00", "currency": "RUB", "rate": "151.40",
        "received_on": datetime.date.today().isoformat(), "reference": "SWIFT-1",
        "fee": "3000.00", "proof": proof}, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["converted"] == "30280000.00"
    assert response.json()["has_proof"] is True
    assert Receipt.objects.get().proof.read() == PDF


def test_receipt_with_a_fake_pdf_is_refused_and_nothing_is_written(world, projects, as_user):
    fake = SimpleUploadedFile("transfer.pdf", b"MZ\x90\x00 not a pdf")
    response = as_user(world.alice).post(RECEIPTS, {
        "project": projects[0].pk, "amount": "100.00", "currency": "UZS",
        "received_on": datetime.date.today().isoformat(), "reference": "R-1", "proof": fake},
        format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "proof"
    assert not Receipt.objects.exists()


def test_duplicate_bank_reference_is_a_409_on_the_field(world, projects, as_user):
    body = {"project": projects[0].pk, "amount": "100.00", "currency": "UZS",
            "received_on": datetime.date.today().isoformat(), "reference": "R-1"}
    assert as_user(world.alice).post(RECEIPTS, body).status_code == 201
    response = as_user(world.alice).post(RECEIPTS, body)
    assert response.status_code == 409
    assert response.json()["errors"][0]["attr"] == "reference"


def test_auditor_and_association_cannot_record_receipts(world, projects, as_user):
    body = {"project": projects[0].pk, "amount": "100.00", "currency": "UZS",
            "received_on": datetime.date.today().isoformat(), "reference": "R-1"}
    assert as_user(world.auditor).post(RECEIPTS, body).status_code == 403
    assert as_user(world.migrant).post(RECEIPTS, body).status_code == 403
    assert not Receipt.objects.exists()


def test_replay_returns_the_first_response_and_creates_nothing(world, projects, as_user):
    client = as_user(world.migrant)
    first = client.post(PLEDGES, pledge_body(projects[0]), format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(PLEDGES, pledge_body(projects[0]), format="json",
                        HTTP_IDEMPOTENCY_KEY="k-1")
    assert (again.status_code, again.json()) == (first.status_code, first.json()) == \
        (201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Pledge.objects.count() == 1


def test_same_key_with_another_body_is_a_422(world, projects, as_user):
    client = as_user(world.migrant)
    client.post(PLEDGES, pledge_body(projects[0]), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post(PLEDGES, pledge_body(projects[0], amount="1.00"), format="json",
                           HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Pledge.objects.count() == 1


def test_a_failed_request_does_not_keep_its_key(world, projects, as_user):
    client = as_user(world.migrant)
    bad = client.post(PLEDGES, pledge_body(projects[0], currency="XYZ"), format="json",
                      HTTP_IDEMPOTENCY_KEY="k-1")
    assert bad.status_code == 400 and not IdempotencyKey.objects.exists()
    good = client.post(PLEDGES, pledge_body(projects[0]), format="json",
                       HTTP_IDEMPOTENCY_KEY="k-1")
    assert good.status_code == 201


def test_receipt_replay_with_the_same_proof(world, projects, as_user):
    client = as_user(world.alice)

    def send():
        return client.post(RECEIPTS, {
            "project": projects[0].pk, "amount": "100.00", "currency": "UZS",
            "received_on": datetime.date.today().isoformat(), "reference": "R-9",
            "proof": SimpleUploadedFile("p.pdf", PDF)}, format="multipart",
            HTTP_IDEMPOTENCY_KEY="receipt-9")

    assert send().json() == send().json()
    assert Receipt.objects.count() == 1


def test_keys_belong_to_their_user(world, projects, as_user):
    as_user(world.migrant).post(PLEDGES, pledge_body(projects[0]), format="json",
                                HTTP_IDEMPOTENCY_KEY="shared")
    response = as_user(world.alice).post(PLEDGES, pledge_body(projects[0]), format="json",
                                         HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert Pledge.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_replays_create_exactly_one_pledge(django_db_blocker):
    from tests.conftest import world as make_world

    world = make_world.__wrapped__(None)
    project = world.approved()
    results, barrier = [], threading.Barrier(6)

    def replay():
        client = APIClient()
        client.force_login(world.migrant)
        barrier.wait()
        response = client.post(PLEDGES, pledge_body(project), format="json",
                               HTTP_IDEMPOTENCY_KEY="race")
        results.append((response.status_code, response.json()["id"]))
        connection.close()

    threads = [threading.Thread(target=replay) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Pledge.objects.count() == 1
    assert results == [(201, Pledge.objects.get().pk)] * 6
