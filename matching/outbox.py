"""Emit events in the writer's transaction; relay them to Celery; dispatch them to handlers.

    outbox.emit("receipt.recorded", project_id=..., receipt_id=...)   # inside a service

Handlers register per topic with `@outbox.handler("receipt.recorded")` and receive the
message. They must be idempotent: a message may be processed more than once (relayed, then the
worker died before acknowledging), never less.
"""

import logging
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone

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


def relay(*, limit: int = RELAY_BATCH) -> int:
    """Hand up to `limit` unsent messages to Celery; return how many were sent.

    Rows are claimed with SKIP LOCKED so that two relays never send the same message at once.
    A message is marked relayed only after Celery accepted it.
    """
    from .tasks import process_outbox_message

    with transaction.atomic():
        ids = list(OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(relayed_at__isnull=True).order_by("id")
                   .values_list("id", flat=True)[:limit])
        for message_id in ids:
            process_outbox_message.apply_async(args=[message_id], retry=False)
        # one UPDATE for the batch: were Celery to refuse one, the transaction rolls back
        # every mark of the batch anyway (an UPDATE per message bought nothing)
        OutboxMessage.objects.filter(pk__in=ids).update(relayed_at=timezone.now())
    return len(ids)


def process(message_id: int) -> None:
    """Run every handler of the message's topic (idempotent handlers, see module doc)."""
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None or message.processed_at is not None:
        return
    for func in _handlers.get(message.topic, []):
        func(message)
    OutboxMessage.objects.filter(pk=message.pk).update(processed_at=timezone.now(),
                                                       attempts=message.attempts + 1)
