"""The router's choices against two real PostgreSQL servers, a primary and its streaming
replica (config/pgreplica.py). Run by test_replica.py in a process of its own, whose
DATABASE_URL is the primary and DATABASE_REPLICA_URL the replica; not collected otherwise
(the file's name does not start with test_).

The replica is made to fall behind by pausing its replay (`pg_wal_replay_pause()`): a read
that must see a write then finds it only on the primary.
"""

import time

import pytest
from django.core.cache import cache
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from config.pgreplica import ReplicatedPostgres
from matching import models as m
from matching import routing

REPLICA = "replica_1"
pytestmark = [pytest.mark.django_db(transaction=True, databases="__all__"),
              pytest.mark.skipif(not routing.replicas(), reason="no DATABASE_REPLICA_URL")]


@pytest.fixture(scope="module")
def servers() -> ReplicatedPostgres:
    return ReplicatedPostgres.from_environ()


@pytest.fixture(autouse=True)
def _fresh(servers, settings):
    routing.health.forget()
    settings.REPLICA_CHECK_SECONDS = 0.2
    yield
    servers.resume_replay()
    cache.clear()


class Reads:
    """Which tables each server was asked about during the block."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias])
                         for alias in ("default", REPLICA)}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def of(self, alias: str, table: str) -> int:
        return sum(table in q["sql"] for q in self.contexts[alias].captured_queries)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_public_pages_reports_and_api_reads_reach_the_replica(world, client, servers):
    project = world.approved()
    servers.wait_caught_up()
    auditor = _api(world.auditor)
    for get in (lambda: client.get("/projects/"),
                lambda: client.get(f"/reports/region/{world.region.pk}/"),
                lambda: auditor.get("/api/v1/projects/"),
                lambda: auditor.get(f"/api/v1/projects/{project.pk}/")):
        with Reads() as reads:
            response = get()
        assert response.status_code == 200
        assert reads.of(REPLICA, "matching_project") >= 1
        assert reads.of("default", "matching_project") == 0
        assert reads.of("default", "matching_user") <= 1  # who is asking: the primary


def test_staff_pages_writes_and_reads_in_a_transaction_stay_on_the_primary(world, client,
                                                                           servers):
    project = world.approved()
    servers.wait_caught_up()
    client.force_login(world.bob)
    with Reads() as reads:
        assert client.get(f"/officer/projects/{project.pk}/").status_code == 200
    assert reads.of(REPLICA, "matching_") == 0

    with routing.using_state(routing.State(replica_ok=True)):
        assert m.Project.objects.filter(pk=project.pk).db == REPLICA
        with transaction.atomic():  # a read inside a transaction: the primary
            assert m.Project.objects.filter(pk=project.pk).db == "default"
        m.Project.objects.filter(pk=project.pk).update(title="Renamed")  # a write
        # every read after it in the same request: the primary, which has it
        assert m.Project.objects.filter(pk=project.pk).db == "default"
        assert m.Project.objects.get(pk=project.pk).title == "Renamed"
        # what logs in and authenticates: always the primary
        assert m.User.objects.all().db == "default"


def test_a_user_sees_his_own_write_at_once_the_others_once_the_replica_has_it(
        world, client, servers, settings):
    # given a replica that falls behind (its replay paused), still within the lag bound
    settings.REPLICA_MAX_LAG_SECONDS, settings.REPLICA_PIN_SECONDS = 120, 121
    project = world.approved()
    servers.wait_caught_up()
    servers.pause_replay()

    # an association announces a pledge through the API (a client that keeps no cookies)
    created = _api(world.migrant).post("/api/v1/pledges/", {
        "project": project.pk, "amount": "100.00", "currency": "RUB",
        "expected_on": "2030-01-01"}, format="json")
    assert created.status_code == 201
    url = f"/api/v1/pledges/{created.json()['id']}/"
    # it reads it back at once, from another connection without cookies (the cache pins him)
    assert _api(world.migrant).get(url).status_code == 200
    # a browser user who wrote is pinned by his cookie too
    client.force_login(world.alice)
    assert client.post(f"/clerk/projects/{project.pk}/pledges/new/", {
        "amount": "200.00", "currency": "RUB", "expected_on": "2030-02-01"}).status_code == 302
    assert client.cookies.get(routing.PIN_COOKIE) is not None
    cache.delete(f"routing:primary-pin:{world.alice.pk}")  # the cookie alone
    assert client.get(url).status_code == 200
    # someone who wrote nothing reads the replica, which has not replayed it yet
    with Reads() as reads:
        assert _api(world.auditor).get(url).status_code == 404
    assert reads.of(REPLICA, "matching_pledge") >= 1

    servers.resume_replay()
    servers.wait_caught_up()
    assert _api(world.auditor).get(url).status_code == 200


def test_a_replica_too_far_behind_is_skipped_with_a_log_line(world, servers, settings,
                                                              caplog):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    world.approved()
    servers.wait_caught_up()
    servers.pause_replay()
    m.Project.objects.update(title="Written while the replica is paused")
    time.sleep(1.5)
    with routing.using_state(routing.State(replica_ok=True)):
        assert routing.read_alias() == "default"
    assert "replica replica_1 skipped" in caplog.text and "behind the primary" in caplog.text

    servers.resume_replay()
    servers.wait_caught_up()
    time.sleep(0.3)  # the next check
    with routing.using_state(routing.State(replica_ok=True)):
        assert routing.read_alias() == REPLICA
    assert "replica replica_1 in use" in caplog.text


def test_a_replica_stopped_under_a_request_loses_no_request(world, client, servers, settings,
                                                            caplog):
    world.approved()
    servers.wait_caught_up()
    with Reads() as reads:
        assert client.get("/projects/").status_code == 200
    assert reads.of(REPLICA, "matching_project") >= 1
    settings.REPLICA_CHECK_SECONDS = 60  # the router still believes in it: the query fails

    servers.stop_replica()
    try:
        statuses = [client.get(url).status_code for url in
                    ("/projects/", f"/reports/region/{world.region.pk}/", "/projects/")]
        # the first request found the replica dead under it, and was answered from the
        # primary; the next ones skip the replica
        assert statuses == [200, 200, 200]
        assert "replica replica_1 failed during GET /projects/" in caplog.text
        assert "replica replica_1 skipped: failed" in caplog.text
    finally:
        servers.start_replica()
    servers.wait_caught_up()
    settings.REPLICA_CHECK_SECONDS = 0.2
    time.sleep(0.3)
    auditor = _api(world.auditor)
    with Reads() as reads:
        assert client.get("/projects/").status_code == 200
        assert auditor.get("/api/v1/projects/").status_code == 200
    assert reads.of(REPLICA, "matching_project") >= 2  # in use again

    # the same under an API read
    settings.REPLICA_CHECK_SECONDS = 60
    servers.stop_replica()
    try:
        assert auditor.get("/api/v1/projects/").status_code == 200
        assert "replica replica_1 failed during GET /api/v1/projects/" in caplog.text
    finally:
        servers.start_replica()
