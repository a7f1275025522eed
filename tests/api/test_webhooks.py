"""Webhooks: CRUD of an association's own endpoints, fan-out from the outbox, signed
deliveries, retries against a failing receiver, and replay."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from matching import outbox
from matching.api import webhooks
from matching.models import DeliveryStatus, OutboxMessage, WebhookDelivery, WebhookEndpoint

HOOKS = "/api/v1/webhooks/"


class Receiver:
    """A local HTTP server that answers the statuses it is given, then 200, and keeps what
    it received."""

    def __init__(self, statuses=()):
        self.statuses, self.received = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for r in made:
        r.close()


def register(world, url) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(association=world.association, url=url,
                                          created_by=world.migrant)


def test_secret_is_shown_once_and_endpoints_are_the_associations_own(world, as_user):
    client = as_user(world.migrant)
    created = client.post(HOOKS, {"url": "http://127.0.0.1:9/hook"}, format="json")
    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and WebhookEndpoint.objects.get().secret == secret
    shown = client.get(f"{HOOKS}{created.json()['id']}/").json()
    assert "secret" not in shown and "secret" not in client.get(HOOKS).json()["results"][0]
    assert as_user(world.stranger).get(f"{HOOKS}{shown['id']}/").status_code == 404
    assert as_user(world.stranger).delete(f"{HOOKS}{shown['id']}/").status_code == 404
    assert as_user(world.alice).get(HOOKS).status_code == 403
    assert client.patch(f"{HOOKS}{shown['id']}/", {"is_active": False},
                        format="json").json()["is_active"] is False
    assert client.delete(f"{HOOKS}{shown['id']}/").status_code == 204


def test_private_addresses_are_refused_outside_development(world, as_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    for url in ("http://example.org/hook", "https://127.0.0.1/hook", "https://10.0.0.5/x",
                "https://user:pw@example.org/", "ftp://example.org/"):
        response = as_user(world.migrant).post(HOOKS, {"url": url}, format="json")
        assert response.status_code == 400, url
        assert response.json()["errors"][0]["attr"] == "url"


def test_events_fan_out_once_per_endpoint_and_topic(world, projects):
    own, _other, _foreign = projects
    first = register(world, "http://127.0.0.1:9/a")
    register(world, "http://127.0.0.1:9/b")
    WebhookEndpoint.objects.create(association=world.other_association,
                                   url="http://127.0.0.1:9/c", created_by=world.stranger)
    world.receipt(own, "1000000.00")
    message = OutboxMessage.objects.filter(topic="receipt.recorded").get()
    outbox.process(message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(processed_at=None)
    outbox.process(message.pk)  # a message handled twice creates nothing new
    deliveries = WebhookDelivery.objects.filter(event=message)
    assert deliveries.count() == 2
    assert {d.endpoint.association_id for d in deliveries} == {world.association.pk}
    payload = deliveries.get(endpoint=first).payload
    assert payload["topic"] == "receipt.recorded"
    assert payload["project"]["code"] == own.code
    pledged = OutboxMessage.objects.create(topic="pledge.created",
                                           payload={"project_id": own.pk, "pledge_id": 1})
    outbox.process(pledged.pk)
    assert not WebhookDelivery.objects.filter(event=pledged).exists()


def deliverable(world, project, url) -> WebhookDelivery:
    """A delivery to a new endpoint of an event that happens after it was registered."""
    endpoint = register(world, url)
    message = OutboxMessage.objects.create(topic="project.status_changed", payload={
        "project_id": project.pk, "from_status": "funding", "to_status": "funded"})
    webhooks.fan_out(message)
    return WebhookDelivery.objects.get(endpoint=endpoint, event=message)


def test_an_endpoint_receives_only_events_that_happened_after_it_existed(world, projects):
    own = projects[0]
    before = OutboxMessage.objects.filter(topic="project.status_changed",
                                          payload__project_id=own.pk).latest("id")
    late = register(world, "http://127.0.0.1:9/late")
    # the worker handles the older event only now: the new endpoint is not among its receivers
    assert webhooks.fan_out(before) == []
    world.receipt(own, "1000.00")
    after = OutboxMessage.objects.filter(topic="receipt.recorded").latest("id")
    assert len(webhooks.fan_out(after)) == 1
    assert WebhookDelivery.objects.get(endpoint=late).event_id == after.pk
    # and every timestamp of the payload is UTC with "Z", as in the API
    payload = WebhookDelivery.objects.get(endpoint=late).payload
    assert payload["occurred_at"].endswith("Z")


def test_delivery_is_signed_and_the_signature_verifies(world, projects, receiver):
    server = receiver()
    delivery = deliverable(world, projects[0], server.url)
    assert webhooks.deliver_webhook.apply(args=[delivery.pk]).get() == "delivered"
    (headers, body), = server.received
    secret = delivery.endpoint.secret
    assert webhooks.verify_signature(secret, timestamp=headers["X-Hashar-Timestamp"],
                                     body=body, signature=headers["X-Hashar-Signature"])
    assert not webhooks.verify_signature("whsec_wrong", timestamp=headers["X-Hashar-Timestamp"],
                                         body=body, signature=headers["X-Hashar-Signature"])
    assert not webhooks.verify_signature(secret, timestamp=headers["X-Hashar-Timestamp"],
                                         body=body + b" ", signature=headers["X-Hashar-Signature"])
    assert not webhooks.verify_signature(
        secret, timestamp=headers["X-Hashar-Timestamp"], body=body,
        signature=headers["X-Hashar-Signature"], now=time.time() + 3600)  # an old replay
    assert json.loads(body)["topic"] == "project.status_changed"
    assert headers["X-Hashar-Event"] == "project.status_changed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        (DeliveryStatus.DELIVERED, 1, 200)


def test_a_failing_receiver_is_retried_until_it_answers(world, projects, receiver):
    server = receiver(statuses=[500, 503])
    delivery = deliverable(world, projects[0], server.url)
    webhooks.deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert len(server.received) == 3
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == \
        (DeliveryStatus.DELIVERED, 3, 200)


def test_a_receiver_that_never_answers_is_marked_failed_then_replayed(world, projects, receiver,
                                                                      as_user):
    server = receiver(statuses=[500] * webhooks.MAX_ATTEMPTS)
    delivery = deliverable(world, projects[0], server.url)
    webhooks.deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code,
            delivery.last_error) == (DeliveryStatus.FAILED, webhooks.MAX_ATTEMPTS, 500, "HTTP 500")

    # the receiver is fixed: replay through the API, then the queued task sends it
    response = as_user(world.migrant).post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    webhooks.deliver_webhook.apply(args=[delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(server.received) == webhooks.MAX_ATTEMPTS + 1
    assert as_user(world.stranger).post(
        f"/api/v1/webhook-deliveries/{delivery.pk}/replay/").status_code == 404


def test_unreachable_receiver_logs_the_error(world, projects):
    delivery = deliverable(world, projects[0], "http://127.0.0.1:9/closed")
    assert webhooks.attempt(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.last_status_code is None and delivery.last_error


def test_a_redirect_is_an_answer_and_is_not_followed(world, projects, receiver):
    inside = receiver()  # stands for an address inside our network

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(302)
            self.send_header("Location", inside.url)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        delivery = deliverable(world, projects[0], f"http://127.0.0.1:{server.server_port}/")
        assert webhooks.attempt(delivery.pk) is False
    finally:
        server.shutdown()
        server.server_close()
    delivery.refresh_from_db()
    assert (delivery.last_status_code, delivery.last_error) == (302, "HTTP 302")
    assert inside.received == []


def test_the_checked_address_is_the_one_connected_to(world, projects, settings, monkeypatch):
    """DNS rebinding: the name answers a public address to the check and a private one a
    moment later; the connection goes to the address that was checked."""
    import socket

    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    answers = iter(["93.184.215.14", "127.0.0.1", "127.0.0.1"])
    lookups, connected = [], []

    def resolve(host, *args, **kwargs):
        lookups.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]

    def connect(address, *args, **kwargs):
        connected.append(address)
        raise OSError("no network in the tests")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setattr(socket, "create_connection", connect)
    delivery = deliverable(world, projects[0], "https://hooks.example.org/in")
    assert webhooks.attempt(delivery.pk) is False
    assert lookups == ["hooks.example.org"]  # resolved once, by the check
    assert connected == [("93.184.215.14", 443)]
    delivery.refresh_from_db()
    assert "no network" in delivery.last_error


def test_a_failed_attempt_does_not_undo_an_overlapping_delivery(world, projects, monkeypatch):
    """A replay and a retry sending at once: the one that fails after the other delivered
    counts its attempt but leaves the delivery delivered."""
    import urllib.error

    from django.utils import timezone

    delivery = deliverable(world, projects[0], "http://127.0.0.1:9/hook")

    class Opener:
        def open(self, request, timeout):
            webhooks.WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.DELIVERED, attempts=1, delivered_at=timezone.now())
            raise urllib.error.URLError("connection refused")

    monkeypatch.setattr(webhooks, "_opener", lambda address: Opener())
    assert webhooks.attempt(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert delivery.delivered_at is not None
