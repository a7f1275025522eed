"""Webhooks: signed events to the associations' own URLs.

Outbox handlers turn an event about a project into one `WebhookDelivery` per active endpoint
of the project's association (unique per event and endpoint, so a message handled twice
creates nothing new) and hand each to `deliver_webhook`, a Celery task that retries with
exponential backoff and jitter and logs every attempt on the delivery.

Each request carries
    X-Hashar-Event: receipt.recorded
    X-Hashar-Delivery: <delivery id>
    X-Hashar-Timestamp: <unix seconds>
    X-Hashar-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>
The timestamp is signed too, so a captured request cannot be replayed later: receivers
refuse one older than a few minutes (see `verify_signature`).
"""

import functools
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import outbox
from .fields import utc_iso
from ..models import DeliveryStatus, Project, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

TOPICS = ("project.status_changed", "receipt.recorded", "receipt.refunded", "receipt.reversed",
          "tranche.disbursed", "clawback.recorded", "pledge.withdrawn")
TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 8  # the first try and seven retries: about 35 minutes with the backoff below
BACKOFF_FACTOR = 30
# Retries wait in the worker as countdown tasks; Redis hands an unacknowledged task to another
# worker after its visibility timeout (an hour here), so a wait must stay well below it or the
# same delivery could be retried twice at once.
BACKOFF_MAX = 600
TOLERANCE_SECONDS = 300


# --- signing ------------------------------------------------------------------------------

def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, *, timestamp: str, body: bytes, signature: str,
                     now: float | None = None, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent_at) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), signature or "")


# --- where we may send --------------------------------------------------------------------

def _public_address(host: str) -> str | None:
    """The address to connect to, if every address `host` resolves to is public; else None
    (SSRF: nothing inside our network, nor a name that also points there)."""
    try:
        addresses = [info[4][0] for info in socket.getaddrinfo(host, None,
                                                                 type=socket.SOCK_STREAM)]
    except (socket.gaierror, UnicodeError):
        return None
    if not addresses or any(not ipaddress.ip_address(a).is_global for a in addresses):
        return None
    return addresses[0]


def _check(url: str) -> tuple[str | None, str | None]:
    """(why we will not send to `url` or None, the checked address to connect to or None).
    Private addresses are refused unless settings.WEBHOOKS_ALLOW_PRIVATE_URLS (development
    and tests), which also leaves the address to the resolver."""
    parts = urlsplit(url)
    allow_private = getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_URLS", False)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        return _("Use an https:// URL."), None
    if not parts.hostname or parts.username or parts.password:
        return _("Give a URL with a host name and no credentials."), None
    if allow_private:
        return None, None
    address = _public_address(parts.hostname)
    if address is None:
        return _("This URL points to a private network address."), None
    return None, address


def url_problem(url: str) -> str | None:
    """Why we will not send to `url`, or None."""
    return _check(url)[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address that was checked, not to whatever the name resolves to a
    moment later (DNS rebinding); the certificate is still verified against the name."""

    def __init__(self, *args, pinned: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned = pinned

    def connect(self):
        sock = socket.create_connection((self.pinned, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pinned: str):
        super().__init__()
        self.pinned = pinned

    def https_open(self, req):
        return self.do_open(functools.partial(_PinnedHTTPSConnection, pinned=self.pinned), req,
                            context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A 3xx is the receiver's answer, not an instruction: following it could lead anywhere,
    a private address included."""

    def redirect_request(self, *args, **kwargs):
        return None


def _opener(address: str | None) -> urllib.request.OpenerDirector:
    handlers = [urllib.request.ProxyHandler({}), _NoRedirects()]
    if address:
        handlers.append(_PinnedHTTPSHandler(address))
    return urllib.request.build_opener(*handlers)


# --- events into deliveries ---------------------------------------------------------------

def _event_body(message) -> dict:
    project = Project.objects.filter(pk=message.payload.get("project_id")).values(
        "code", "status").first() or {}
    return {"event_id": message.pk, "topic": message.topic,
            "occurred_at": utc_iso(message.created_at),
            "project": {"id": message.payload.get("project_id"), "code": project.get("code"),
                        "status": project.get("status")},
            "data": message.payload}


def receivers(message):
    """The endpoints an event goes to, chosen as of the moment it happened: the active
    endpoints of the project's association that existed then. An endpoint registered after
    the event never receives it, however late the worker handles the event."""
    association_id = (Project.objects.filter(pk=message.payload.get("project_id"))
                      .values_list("association_id", flat=True).first())
    if association_id is None:
        return WebhookEndpoint.objects.none()
    return WebhookEndpoint.objects.filter(association_id=association_id, is_active=True,
                                          created_at__lte=message.created_at)


def fan_out(message) -> list[int]:
    """One delivery per receiver of the event (`receivers`); the ids to send."""
    endpoints = list(receivers(message))
    if not endpoints:
        return []
    body = _event_body(message)
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=message, topic=message.topic, payload=body)
         for e in endpoints], ignore_conflicts=True)
    ids = list(WebhookDelivery.objects.filter(event=message, endpoint__in=endpoints,
                                              status=DeliveryStatus.PENDING)
               .values_list("pk", flat=True))
    for delivery_id in ids:
        transaction.on_commit(lambda pk=delivery_id: enqueue(pk), robust=True)
    return ids


def enqueue(delivery_id: int) -> None:
    deliver_webhook.apply_async(args=[delivery_id], retry=False)


for _topic in TOPICS:
    outbox.handler(_topic)(fan_out)


# --- sending ------------------------------------------------------------------------------

def attempt(delivery_id: int) -> bool | None:
    """Send the delivery once and log the attempt. True: delivered; False: failed, worth
    retrying; None: nothing to do (already delivered, or the endpoint was switched off)."""
    delivery = (WebhookDelivery.objects.select_related("endpoint")
                .filter(pk=delivery_id).first())
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED \
            or not delivery.endpoint.is_active:
        return None
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    timestamp = int(time.time())
    status_code, error = None, ""
    problem, address = _check(delivery.endpoint.url)
    if problem:
        error = problem
    else:
        request = urllib.request.Request(delivery.endpoint.url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Hashar-Webhooks/1",
            "X-Hashar-Event": delivery.topic, "X-Hashar-Delivery": str(delivery.pk),
            "X-Hashar-Timestamp": str(timestamp),
            "X-Hashar-Signature": sign(delivery.endpoint.secret, timestamp, body)})
        try:
            with _opener(address).open(request, timeout=TIMEOUT_SECONDS) as response:
                status_code = response.status
        except urllib.error.HTTPError as failure:
            status_code, error = failure.code, f"HTTP {failure.code}"
        except (urllib.error.URLError, OSError, ValueError) as failure:
            error = str(getattr(failure, "reason", failure))[:500]
    ok = status_code is not None and 200 <= status_code < 300
    now = timezone.now()
    outcome = ({"status": DeliveryStatus.DELIVERED, "delivered_at": now} if ok else {
        # an overlapping attempt (a replay and a retry) may have delivered it meanwhile
        "status": Case(When(status=DeliveryStatus.DELIVERED, then=F("status")),
                       default=Value(DeliveryStatus.PENDING)),
        "delivered_at": F("delivered_at")})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=F("attempts") + 1, last_status_code=status_code, last_error=error[:500],
        last_attempt_at=now, **outcome)
    return ok


def give_up(delivery_id: int) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.FAILED)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_ATTEMPTS - 1)
def deliver_webhook(self, delivery_id: int) -> str:
    """Thin: an id in; the delivery is re-read and sent; retried with backoff and jitter."""
    outcome = attempt(delivery_id)
    if outcome is False:
        if self.request.retries >= self.max_retries:
            give_up(delivery_id)
            log.warning("webhook delivery %s failed for good", delivery_id)
            return DeliveryStatus.FAILED
        countdown = get_exponential_backoff_interval(BACKOFF_FACTOR, self.request.retries,
                                                     BACKOFF_MAX, full_jitter=True)
        raise self.retry(countdown=countdown)
    return DeliveryStatus.DELIVERED if outcome else "skipped"


def delivery_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again (the receiver was down, or lost it): back to pending, queued
    after commit; its attempts keep counting."""
    with transaction.atomic():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING,
                                                              delivered_at=None)
        transaction.on_commit(lambda: enqueue(delivery.pk), robust=True)
    delivery.refresh_from_db()
    return delivery
