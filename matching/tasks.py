"""Celery tasks: thin. An id in, re-read the row, call a service."""

from celery import shared_task

from . import ledger, outbox


@shared_task(acks_late=True, reject_on_worker_lost=True)
def process_outbox_message(message_id: int) -> str:
    """A failure is recorded on the message and retried by the relay after a backoff (see
    outbox.process); an error that prevents even that (the database away) leaves the message
    to come due again when its relay lease runs out."""
    return outbox.process(message_id)


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
def purge_idempotency_keys() -> int:
    """Hourly: forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS (24)."""
    from .api.idempotency import purge_expired

    return purge_expired()


@shared_task
def purge_expired_tokens() -> int:
    """Nightly: delete API tokens past their expiry (authentication refuses them already)."""
    from .api.auth import purge_expired_tokens as purge

    return purge()


@shared_task
def purge_upload_stashes() -> int:
    """Hourly: remove the files kept from refused forms (web/stash.py) older than a day."""
    from .web.stash import purge

    return purge()
