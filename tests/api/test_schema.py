"""The OpenAPI schema: generates without warnings, is served with a local Swagger UI, and
Schemathesis finds no 500 and no response that breaks it."""


import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken


def test_schema_generates_without_warnings(db, tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/projects/", "/api/v1/pledges/", "/api/v1/receipts/",
                 "/api/v1/match-preview/", "/api/v1/webhooks/", "/api/v1/auth/login/"):
        assert path in text
    assert "Idempotency-Key" in text and "ErrorResponse" in text


def test_swagger_ui_is_served_from_our_own_static_files(db, api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page and "cdn" not in page.lower()
    assert api.get("/api/schema/").status_code == 200


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def token(world, projects):
    """A token for the migrant; the WSGI app keeps the test's connection (like Django's
    test client, which also stops request_finished from closing it)."""
    from django.core import signals
    from django.db import close_old_connections

    _, key = AuthToken.objects.create(world.migrant)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield key
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_500_or_off_schema(case, token):
    from config.wsgi import application

    if case.operation.path.startswith("/api/v1/auth/logout"):
        return  # would revoke the token the other examples use
    case.headers = {**(case.headers or {}), "Authorization": f"Token {token}"}
    response = case.call(app=application)
    assert response.status_code < 500, (case.operation.label, response.text[:500])
    case.validate_response(response, checks=[
        schemathesis.checks.not_a_server_error,
        schemathesis.checks.status_code_conformance,
        schemathesis.checks.content_type_conformance,
        schemathesis.checks.response_schema_conformance])
