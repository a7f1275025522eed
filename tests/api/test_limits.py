"""Rate limits per token with RateLimit headers and Retry-After; Idempotency-Keys forgotten
after 24 hours; one time-zone form in every API timestamp."""

import datetime
import re
import socket

import pytest
import time_machine
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import models as m
from matching.api.idempotency import purge_expired
from matching.tasks import purge_idempotency_keys


def _client(token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_each_token_has_its_own_limit_with_ratelimit_headers(world, settings):
    settings.API_RATES = {**settings.API_RATES, "user": "5/minute"}
    first = _client(AuthToken.objects.create(world.migrant)[1])
    second = _client(AuthToken.objects.create(world.migrant)[1])
    answers = [first.get("/api/v1/projects/") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a["RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
    assert answers[0]["RateLimit-Limit"] == "5" and answers[0]["RateLimit-Policy"] == "5;w=60"
    assert 0 < int(answers[0]["RateLimit-Reset"]) <= 60
    refused = answers[-1]
    assert 0 < int(refused["Retry-After"]) <= 60 and refused["RateLimit-Remaining"] == "0"
    assert refused.json()["errors"][0]["code"] == "throttled"
    # the association's other token is counted on its own
    assert second.get("/api/v1/projects/").status_code == 200


def test_a_request_is_let_through_uncounted_while_the_cache_is_down(world, settings, caplog):
    # the limits are counted in Redis; with Redis gone, money must still be recordable
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        nowhere = probe.getsockname()[1]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{nowhere}/0"}}
    client = _client(AuthToken.objects.create(world.migrant)[1])
    answer = client.post("/api/v1/pledges/", {
        "project": world.approved().pk, "amount": "1000.00", "currency": "RUB",
        "expected_on": str(timezone.localdate() + datetime.timedelta(days=40))}, format="json")
    assert answer.status_code == 201, answer.content
    assert "RateLimit-Remaining" not in answer
    assert m.Pledge.objects.filter(pk=answer.json()["id"]).exists()
    assert "rate limit user not counted: the cache is unavailable" in caplog.text


def test_anonymous_callers_are_limited_per_address(db, settings):
    settings.API_RATES = {**settings.API_RATES, "anon": "2/minute"}
    client = APIClient(REMOTE_ADDR="203.0.113.50")
    statuses = [client.get("/api/v1/schemes/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # a forged X-Forwarded-For does not buy a new allowance
    assert client.get("/api/v1/schemes/", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429
    assert APIClient(REMOTE_ADDR="203.0.113.51").get("/api/v1/schemes/").status_code == 200


@pytest.mark.parametrize("rate", ["600", "abc/minute", "0/minute", "10/fortnight"])
def test_a_bad_rate_in_the_environment_stops_the_start(rate):
    import os
    import subprocess
    import sys

    env = {**os.environ, "API_RATE_USER": rate, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "API_RATE_USER must look like 600/minute" in result.stderr


EXPECTED = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def _pledge(client, project, key):
    return client.post("/api/v1/pledges/", {"project": project.pk, "amount": "100.00",
                                            "currency": "RUB", "expected_on": EXPECTED},
                       format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_idempotency_keys_are_forgotten_after_24_hours(world):
    project = world.approved()
    client = APIClient()
    client.force_authenticate(world.migrant)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        first = _pledge(client, project, "key-1")
        replay = _pledge(client, project, "key-1")
        assert first.status_code == replay.status_code == 201
        assert replay["Idempotent-Replayed"] == "true" and m.Pledge.objects.count() == 1
        clock.shift(datetime.timedelta(hours=23, minutes=59))
        assert purge_expired() == 0
        late = _pledge(client, project, "key-1")
        assert late.status_code == 201, late.json()
        assert late["Idempotent-Replayed"] == "true"
        clock.shift(datetime.timedelta(minutes=2))
        # past 24 hours the key is new again, even before the beat purged it
        again = _pledge(client, project, "key-1")
        assert again.status_code == 201 and "Idempotent-Replayed" not in again
        assert m.Pledge.objects.count() == 2
        _pledge(client, project, "key-2")
        clock.shift(datetime.timedelta(hours=25))
        assert purge_idempotency_keys.apply().get() == 2  # the beat task
        assert not m.IdempotencyKey.objects.exists()


@pytest.mark.parametrize("key", ["", " ", "a b", "ключ", "x" * 256])
def test_an_idempotency_key_outside_its_pattern_is_refused_naming_the_header(world, key):
    project = world.approved()
    client = APIClient()
    client.force_authenticate(world.migrant)
    answer = _pledge(client, project, key)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["attr"] == "Idempotency-Key"
    assert not m.Pledge.objects.exists()


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def _timestamps(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _timestamps(item)
    elif isinstance(value, list):
        for item in value:
            yield from _timestamps(item)
    elif isinstance(value, str) and TIMESTAMP.match(value):
        yield value


def test_every_api_timestamp_is_utc_with_z(world, settings):
    settings.TIME_ZONE = "Asia/Tashkent"
    project = world.approved()
    world.receipt(project, "1000.00")
    _, token = AuthToken.objects.create(world.auditor)
    auditor = _client(token)
    login = APIClient().post("/api/v1/auth/login/", {"username": "migrant",
                                                      "password": "pass-word-123"},
                             format="json").json()
    migrant = _client(login["token"])
    m.WebhookEndpoint.objects.create(association=world.association, url="http://127.0.0.1:9/",
                                     created_by=world.migrant)
    answers = [login, auditor.get("/api/v1/projects/").json(),
               auditor.get(f"/api/v1/projects/{project.pk}/").json(),
               auditor.get(f"/api/v1/projects/{project.pk}/timeline/").json(),
               auditor.get(f"/api/v1/projects/{project.pk}/ledger/").json(),
               auditor.get("/api/v1/receipts/").json(),
               auditor.get("/api/v1/audit/?model=Project").json(),
               migrant.get("/api/v1/pledges/").json(), migrant.get("/api/v1/webhooks/").json(),
               APIClient().get("/api/v1/schemes/").json()]
    found = [stamp for answer in answers for stamp in _timestamps(answer)]
    assert len(found) >= 10
    assert all(ISO_UTC.match(stamp) for stamp in found), [s for s in found
                                                         if not ISO_UTC.match(s)]
