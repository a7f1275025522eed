"""A strict client generated from the live OpenAPI document by openapi-python-client (the
mainstream generator, pinned in requirements.txt) drives an association's work against a live
server: log in, announce a pledge with an Idempotency-Key (and replay it), list the receipts,
replay a webhook delivery. Generated offline, inside the test, into a temporary folder: a
schema that disagreed with the answers would fail to parse them here."""

import datetime
import importlib
import subprocess
import sys
import uuid

import pytest
import requests

from matching import models as m

PACKAGE = "hashar_client"


@pytest.fixture
def client_package(live_server, tmp_path):
    schema = requests.get(f"{live_server.url}/api/schema/?format=json", timeout=30)
    assert schema.status_code == 200
    (tmp_path / "schema.json").write_text(schema.text)
    (tmp_path / "config.yaml").write_text("post_hooks: []\nproject_name_override: hashar\n"
                                          f"package_name_override: {PACKAGE}\n")
    generated = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path",
         str(tmp_path / "schema.json"), "--output-path", str(tmp_path / PACKAGE), "--meta",
         "none", "--config", str(tmp_path / "config.yaml")],
        capture_output=True, text=True, timeout=300)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert "Warning" not in generated.stdout + generated.stderr, generated.stdout
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def test_a_generated_client_drives_an_association_against_the_live_server(
        client_package, live_server, world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    api = importlib.import_module(f"{PACKAGE}.api")  # noqa: F841 - the subpackages below
    login = importlib.import_module(f"{PACKAGE}.api.auth.auth_login_create")
    pledges_create = importlib.import_module(f"{PACKAGE}.api.pledges.pledges_create")
    receipts_list = importlib.import_module(f"{PACKAGE}.api.receipts.receipts_list")
    replay = importlib.import_module(
        f"{PACKAGE}.api.webhook_deliveries.webhook_deliveries_replay_create")
    models = importlib.import_module(f"{PACKAGE}.models")

    # given an approved project of the association with money received, and a webhook
    project = world.approved()
    world.receipt(project, "1000000.00")
    endpoint = m.WebhookEndpoint.objects.create(association=world.association,
                                                url="http://127.0.0.1:9/in",
                                                created_by=world.migrant)
    event = m.OutboxMessage.objects.create(topic="receipt.recorded",
                                           payload={"project_id": project.pk})
    delivery = m.WebhookDelivery.objects.create(endpoint=endpoint, event=event,
                                                topic="receipt.recorded", payload={},
                                                status=m.DeliveryStatus.FAILED, attempts=8)

    # log in: the token answer parses
    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    token = login.sync(client=anonymous, body=models.LoginRequest(
        username="migrant", password="pass-word-123"))
    assert isinstance(token, models.TokenResponse) and token.role == "association"
    assert token.expiry.tzinfo is not None
    client = client_package.AuthenticatedClient(
        base_url=live_server.url, token=token.token, prefix="Token",
        raise_on_unexpected_status=True)

    # announce a pledge, then send the same request again: one pledge
    key = str(uuid.uuid4())
    body = models.PledgeInputRequest(project=project.pk, amount="250000.00", currency="RUB",
                                     expected_on=datetime.date.today() + datetime.timedelta(30))
    first = pledges_create.sync_detailed(client=client, body=body, idempotency_key=key)
    again = pledges_create.sync_detailed(client=client, body=body, idempotency_key=key)
    assert first.status_code == again.status_code == 201
    assert isinstance(first.parsed, models.Pledge) and first.parsed.id == again.parsed.id
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.parsed.status == models.PledgeStatusEnum.ANNOUNCED
    assert int(first.headers["RateLimit-Remaining"]) >= 0
    assert m.Pledge.objects.filter(project=project).count() == 1

    # a refusal parses too, into the documented error body
    lapsed = pledges_create.sync_detailed(client=client, body=models.PledgeInputRequest(
        project=project.pk, amount="-1", currency="RUB", expected_on=datetime.date.today()))
    assert lapsed.status_code == 400
    assert lapsed.parsed.errors[0].attr == "amount"

    # the receipts of its projects
    page = receipts_list.sync(client=client)
    assert [receipt.project_code for receipt in page.results] == [project.code]
    assert page.results[0].amount == "1000000.00"

    # replay a delivery that had failed
    replayed = replay.sync_detailed(client=client, id=delivery.pk)
    assert replayed.status_code == 202
    assert replayed.parsed.status == models.DeliveryStatusEnum.PENDING
    delivery.refresh_from_db()
    assert delivery.status == m.DeliveryStatus.PENDING
