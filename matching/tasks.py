"""Celery tasks: thin. An id in, re-read the row, call a service."""

from celery import shared_task

from . import ledger, outbox

TRANSIENT = (ConnectionError, TimeoutError, OSError)


@shared_task(acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT,
             retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=8)
def process_outbox_message(message_id: int) -> None:
    outbox.process(message_id)


@shared_task
def relay_outbox() -> int:
    """Beat: hand to the workers whatever was committed while the broker was away."""
    return outbox.relay()


@shared_task
def verify_ledger() -> int:
    """Nightly: every cached total against the ledger; the result is kept for the auditor and
    differences are logged as errors."""
    import logging

    from .models import CheckSource

    result = ledger.check(CheckSource.NIGHTLY)
    for difference in result.differences:
        logging.getLogger("matching.ledger").error("ledger difference: %s", difference)
    return len(result.differences)


@shared_task
def purge_expired_tokens() -> int:
    """Nightly: delete API tokens past their expiry (authentication refuses them already)."""
    from .api.auth import purge_expired_tokens as purge

    return purge()
