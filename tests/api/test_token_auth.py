"""Token authentication costs one query however many tokens the user holds; expired tokens
are refused when used and purged nightly."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import tasks


def test_authentication_does_not_load_the_users_other_tokens(world):
    for _ in range(30):
        AuthToken.objects.create(world.auditor)
    _, key = AuthToken.objects.create(world.auditor)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/v1/projects/")
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/api/v1/projects/").status_code == 200
    token_queries = [q for q in captured.captured_queries if "knox_authtoken" in q["sql"]]
    assert len(token_queries) == 1


def test_expired_tokens_are_refused_and_purged(world):
    instance, key = AuthToken.objects.create(world.auditor)
    _other, _ = AuthToken.objects.create(world.auditor)
    AuthToken.objects.filter(pk=instance.pk).update(
        expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/projects/") \
        .status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()  # deleted when used
    stale, _ = AuthToken.objects.create(world.bob)
    AuthToken.objects.filter(pk=stale.pk).update(
        expiry=timezone.now() - datetime.timedelta(days=1))
    assert tasks.purge_expired_tokens() == 1
    assert AuthToken.objects.count() == 1  # the auditor's live token stays
