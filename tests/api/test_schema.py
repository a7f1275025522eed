"""The OpenAPI schema: generates without warnings, is served with a local Swagger UI, and
Schemathesis, reading the live schema at /api/schema/, sends every operation as every role
and finds no answer that breaks it: status codes, content types, bodies and headers as
documented, no 500, negative data rejected.

Deterministic (derandomised, a fixed number of examples, no example database) and bounded to
fit `make test`; `make reliability` runs the same at a larger size (tests/reliability)."""

from collections import Counter

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken

ROLES = ["clerk", "officer", "administrator", "association", "auditor", "anonymous"]
EXAMPLES = 1  # per operation and generation mode (positive, negative)
# The first case of each operation is sent as all six roles, each further case as three of
# them in turn: every operation as every role, in fewer requests (tests/reliability sends
# every case as all six).
ROLES_PER_CASE = 3
SENT = Counter()
SEEN: set[str] = set()


def _roles_for(operation: str) -> list[str]:
    if operation not in SEEN:
        SEEN.add(operation)
        return ROLES
    first = sum(SENT.values())
    return [ROLES[(first + i) % len(ROLES)] for i in range(ROLES_PER_CASE)]


def test_schema_generates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/projects/", "/api/v1/pledges/", "/api/v1/receipts/",
                 "/api/v1/match-preview/", "/api/v1/webhooks/", "/api/v1/auth/login/"):
        assert path in text
    assert "Idempotency-Key" in text and "Retry-After" in text


def test_swagger_ui_is_served_from_our_own_static_files(db, api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page and "cdn" not in page.lower()
    assert api.get("/api/schema/").status_code == 200


@pytest.fixture
def same_connection(db):
    """The WSGI app keeps the test's connection (as Django's test client does)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def live_schema(same_connection):
    """The schema as the running application serves it at /api/schema/."""
    from config.wsgi import application

    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.generation.update(deterministic=True, database="none")
    return loaded


schema = schemathesis.pytest.from_fixture("live_schema")


@pytest.fixture
def callers(world, settings, same_connection):
    """The users of each role, with records around to find. Rate limits out of the way: this
    test is about the contract, tests/api/test_limits.py about the limits."""
    settings.API_RATES = {"anon": "100000/minute", "user": "100000/minute",
                          "login": "100000/minute"}
    settings.AXES_FAILURE_LIMIT = 100000
    own = world.approved()
    world.approved(mahalla=world.mahalla_b)
    world.receipt(own, "1000.00")
    users = {"clerk": world.alice, "officer": world.bob, "administrator": world.admin,
             "association": world.migrant, "auditor": world.auditor, "anonymous": None}
    return users


def _auth(user) -> dict:
    # a token of its own for each request: a logout in one example revokes nothing of another
    return {"Authorization": f"Token {AuthToken.objects.create(user)[1]}"} if user else {}


# Every check schemathesis has but one: positive_data_acceptance expects every request that
# fits the schema to succeed, and no schema can say that a project id must exist, that a fee
# may not pass the amount or that money cannot arrive tomorrow. Those answer 400 naming the
# field (documented); tests/services and tests/api hold each rule.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_the_contract_for_every_role(case, callers):
    from config.wsgi import application

    for role in _roles_for(case.operation.label):
        auth = _auth(callers[role])
        response = case.call(app=application, headers=auth)
        SENT[role] += 1
        case.validate_response(response, headers=auth, excluded_checks=EXCLUDED)
