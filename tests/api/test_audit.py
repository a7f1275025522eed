"""The audit trail through the API: auditors and administrators only, every change with its
author, from where and through which service."""

import pytest



@pytest.fixture
def submitted(world):
    return world.submitted()


def test_auditor_reads_who_changed_a_project(world, submitted, client):
    client.force_login(world.auditor)
    answer = client.get(f"/api/v1/audit/?model=Project&object_id={submitted.pk}")
    assert answer.status_code == 200
    events = answer.json()["results"]
    assert [e["action"] for e in events] == ["update", "insert"]
    assert events[0]["data"]["status"] == "submitted"
    assert events[0]["context"]["user"] == world.alice.pk
    assert events[0]["context"]["service"] == "project_submit"


def test_a_change_through_the_api_records_the_ip_and_url(world, submitted, client):
    client.force_login(world.migrant)
    answer = client.post("/api/v1/pledges/", {"project": submitted.pk, "amount": "100.00",
                                              "currency": "RUB", "expected_on": "2026-12-31"},
                         content_type="application/json", REMOTE_ADDR="203.0.113.7")
    assert answer.status_code == 201, answer.content
    client.force_login(world.auditor)
    event = client.get("/api/v1/audit/?model=Pledge").json()["results"][0]
    assert event["context"]["ip"] == "203.0.113.7"
    assert event["context"]["url"] == "/api/v1/pledges/"
    assert event["context"]["user"] == world.migrant.pk


@pytest.mark.parametrize("who, status", [("alice", 403), ("bob", 403), ("migrant", 403),
                                         ("auditor", 200), ("admin", 200)])
def test_only_auditors_and_administrators_read_the_trail(world, submitted, client, who, status):
    client.force_login(getattr(world, who))
    assert client.get("/api/v1/audit/?model=Project").status_code == status


def test_anonymous_cannot_read_the_trail(client, db):
    assert client.get("/api/v1/audit/?model=Project").status_code in (401, 403)


@pytest.mark.parametrize("query", ["", "?model=Nope", "?model=Project&object_id=x"])
def test_bad_audit_queries_are_400(world, client, query):
    client.force_login(world.auditor)
    answer = client.get(f"/api/v1/audit/{query}")
    assert answer.status_code == 400


def test_auditor_reads_the_trail_and_the_ledger_in_the_admin(world, submitted, client):
    from matching.demo.seed import auditors_group

    world.auditor.is_staff = True
    world.auditor.save()
    world.auditor.groups.add(auditors_group())
    client.force_login(world.auditor)
    assert client.get("/admin/pghistory/events/").status_code == 200
    assert client.get("/admin/matching/ledgerentry/").status_code == 200
    assert client.get(f"/admin/matching/project/{submitted.pk}/change/").status_code == 200
    # reading is all: no add, no change, no delete
    assert client.get("/admin/matching/scheme/add/").status_code == 403
