"""Login tokens (hashed, expiring, revocable, shown once), brute-force lockout, CSRF, and the
security log."""

import logging

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

LOGIN = "/api/v1/auth/login/"


def login(client, username, password="pass-word-123"):
    return client.post(LOGIN, {"username": username, "password": password}, format="json")


def test_login_gives_a_token_that_works_and_is_stored_hashed(world, api, caplog):
    with caplog.at_level(logging.INFO, logger="matching.security"):
        response = login(api, "migrant")
    assert response.status_code == 200
    token = response.json()["token"]
    assert response.json()["role"] == "association" and response.json()["expiry"]
    stored = AuthToken.objects.get(user=world.migrant)
    assert token not in (stored.digest, stored.token_key) and len(stored.token_key) < len(token)
    assert any("login: user=migrant ip=127.0.0.1" in r.message and "+00:00" in r.message
               for r in caplog.records)

    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/associations/me/").status_code == 200


def test_wrong_password_is_refused_and_logged(world, api, caplog):
    with caplog.at_level(logging.WARNING, logger="matching.security"):
        response = login(api, "migrant", "wrong")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "authentication_failed"
    assert any("login failed for migrant" in r.message and "ip=127.0.0.1" in r.message
               for r in caplog.records)
    assert not AuthToken.objects.exists()


def test_bad_login_input_is_a_field_error(db, api):
    response = api.post(LOGIN, {"username": ""}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"username", "password"}


def test_brute_force_locks_out_even_the_right_password(world, api, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(api, "migrant", "guess").status_code == 401
    assert login(api, "migrant", "guess").status_code == 429  # the limit-th failure locks
    response = login(api, "migrant")
    assert response.status_code == 429
    # answered like every other 429: the API's error shape, code throttled, Retry-After
    assert response.json()["errors"][0]["code"] == "throttled"
    assert response.json()["errors"][0]["attr"] is None
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME * 3600
    assert not AuthToken.objects.exists()
    # another user from the same address is not locked out
    assert login(api, "alice").status_code == 200


def test_expired_token_is_refused(world, api):
    import datetime

    instance, token = AuthToken.objects.create(world.migrant, datetime.timedelta(seconds=-1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/associations/me/").status_code == 401


def test_logout_revokes_this_token_and_logoutall_every_token(world):
    _, first = AuthToken.objects.create(world.migrant)
    _, second = AuthToken.objects.create(world.migrant)
    _, third = AuthToken.objects.create(world.migrant)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/associations/me/").status_code == 401

    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get("/api/v1/associations/me/").status_code == 200
    assert client.post("/api/v1/auth/logoutall/").status_code == 204
    for token in (second, third):
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert client.get("/api/v1/associations/me/").status_code == 401


def test_session_posts_need_the_csrf_token(world, projects):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.migrant)
    body = {"project": projects[0].pk, "amount": "100.00", "currency": "RUB",
            "expected_on": "2030-01-01"}
    response = client.post("/api/v1/pledges/", body, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"][0]["detail"]

    client.get("/api/v1/associations/me/")  # any page sets the cookie
    from django.middleware.csrf import get_token
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    response = client.post("/api/v1/pledges/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/projects/", "/api/v1/pledges/"])
def test_refused_access_is_logged(db, api, caplog, path):
    with caplog.at_level(logging.WARNING, logger="matching.security"):
        assert api.get(path).status_code in (401, 403)
    assert any(f"path={path}" in r.message and "user=-" in r.message for r in caplog.records)
