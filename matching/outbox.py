"""Emit events in the writer's transaction; relay them to Celery; dispatch them to handlers.

    outbox.emit("receipt.recorded", project_id=..., receipt_id=...)   # inside a service

Handlers register per topic with `@outbox.handler("receipt.recorded")` and receive the
message. They must be idempotent: a message may be processed more than once (relayed, then the
worker died before acknowledging), never less. A handler that raises has its work rolled back
and is retried with backoff; after OUTBOX_MAX_ATTEMPTS failures the message is dead-lettered
for an administrator to replay (`/outbox/`).
"""

import datetime
import logging
import socket
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import NotAllowed
from .models import OutboxMessage

log = logging.getLogger(__name__)
_handlers: dict[str, list[Callable[[OutboxMessage], None]]] = defaultdict(list)
RELAY_BATCH = 200
# After the broker was found down, requests skip the after-commit relay for this long (the
# beat's relay sends what waits): a dead Redis must not cost every write a publish timeout.
BROKER_DOWN_PAUSE = 10.0
_broker_down_until = 0.0


def handler(topic: str):
    def register(func):
        _handlers[topic].append(func)
        return func

    return register


def emit(topic: str, **payload) -> OutboxMessage:
    """Write the event now; try to relay it right after commit (the beat relay catches up
    with whatever that attempt could not send)."""
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    transaction.on_commit(relay_soon, robust=True)
    return message


def relay_soon() -> None:
    global _broker_down_until
    if time.monotonic() < _broker_down_until or not _broker_answers():
        return  # the periodic relay will send it
    try:
        relay(limit=RELAY_BATCH)
    except Exception:  # the broker is down: the periodic relay will send it later
        _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        log.warning("outbox relay after commit failed; messages wait for the next run",
                    exc_info=True)


def _broker_answers() -> bool:
    """A quick TCP probe of the broker: the Redis client retries with back-off (about six
    seconds) before it gives up on a dead server, and a request must not wait for that."""
    global _broker_down_until
    from celery import current_app  # noqa: PLC0415

    url = urlsplit(current_app.conf.broker_url or "")
    if url.scheme not in ("redis", "rediss") or not url.hostname:
        return True
    try:
        with socket.create_connection((url.hostname, url.port or 6379), timeout=0.5):
            return True
    except OSError:
        _broker_down_until = time.monotonic() + BROKER_DOWN_PAUSE
        log.warning("broker %s:%s unreachable; outbox messages wait for the periodic relay",
                    url.hostname, url.port)
        return False


def due(now=None):
    """The messages to hand to the workers: neither processed nor dead, and never relayed or
    past their `next_attempt_at` (a lease that ran out, or the backoff after a failure)."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        processed_at__isnull=True, dead_at__isnull=True)


def relay(*, limit: int = RELAY_BATCH) -> int:
    """Hand up to `limit` due messages to Celery; return how many were sent.

    Rows are claimed with SKIP LOCKED so that two relays never send the same message at once.
    A message is marked relayed only after Celery accepted it, with a lease: if its task is
    lost (the broker restarted, the worker was killed before it acknowledged) and nobody
    processes it, it comes due again when the lease runs out. Nothing is stranded.
    """
    from .tasks import process_outbox_message

    now = timezone.now()
    with transaction.atomic():
        ids = list(due(now).select_for_update(skip_locked=True).order_by("id")
                   .values_list("id", flat=True)[:limit])
        for message_id in ids:
            process_outbox_message.apply_async(args=[message_id], retry=False)
        # one UPDATE for the batch: were Celery to refuse one, the transaction rolls back
        # every mark of the batch anyway (an UPDATE per message bought nothing)
        OutboxMessage.objects.filter(pk__in=ids).update(
            relayed_at=now, next_attempt_at=now + datetime.timedelta(
                seconds=settings.OUTBOX_LEASE_SECONDS))
    return len(ids)


def backoff(attempts: int) -> datetime.timedelta:
    """The wait after the `attempts`-th failure: doubling from OUTBOX_BACKOFF_SECONDS, at most
    OUTBOX_BACKOFF_MAX_SECONDS."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_MAX_SECONDS))


def process(message_id: int) -> str:
    """Run every handler of the message's topic, once, and record the outcome.

    The message's row is locked while its handlers run (SKIP LOCKED: a second worker given the
    same message leaves it to the first). The handlers run in a savepoint: when one raises,
    whatever they wrote is rolled back, the failure is counted with its error, and the message
    comes due again after a backoff, or is dead-lettered after OUTBOX_MAX_ATTEMPTS failures.
    Returns what happened: processed, failed, dead, or skipped (done, dead, busy or gone).
    """
    with transaction.atomic():
        message = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=message_id).first())
        if message is None or message.processed_at is not None or message.dead_at is not None:
            return "skipped"
        try:
            with transaction.atomic():
                for func in _handlers.get(message.topic, []):
                    func(message)
        except Exception as error:  # any error: recorded, retried, never lost
            return _failed(message, error)
        OutboxMessage.objects.filter(pk=message.pk).update(
            processed_at=timezone.now(), next_attempt_at=None)
    return "processed"


def _failed(message: OutboxMessage, error: Exception) -> str:
    now = timezone.now()
    attempts = message.attempts + 1
    dead = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    text = "".join(traceback.format_exception_only(error)).strip()
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts, last_error=text[:2000], last_attempt_at=now,
        next_attempt_at=None if dead else now + backoff(attempts), dead_at=now if dead else None)
    log.error("outbox message %s (%s) failed, attempt %s%s: %s", message.pk, message.topic,
              attempts, ", dead-lettered" if dead else "", text)
    return "dead" if dead else "failed"


def message_replay(*, message: OutboxMessage, actor) -> OutboxMessage:
    """Send a dead-lettered (or failing) message again, now: its failures start counting
    afresh; its last error stays until it is processed. A processed message is not replayed
    (its handlers ran), so replaying twice runs them once."""
    now = timezone.now()
    with transaction.atomic():
        replayed = OutboxMessage.objects.filter(pk=message.pk, processed_at__isnull=True).update(
            dead_at=None, attempts=0, next_attempt_at=None, replayed_at=now,
            replayed_by=actor)
        if replayed:
            transaction.on_commit(relay_soon, robust=True)
    message.refresh_from_db()
    if not replayed:
        raise NotAllowed(_("This message was already processed."), code="already_processed")
    return message
