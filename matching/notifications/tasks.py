"""Celery tasks of the reminders: thin, an id in, the service does the work.

Imported by handlers.py (listed in matching.apps.HANDLER_MODULES), so every worker that
loads Django registers them.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import dispatch
from .channels import TransientDeliveryError

TRANSIENT = (TransientDeliveryError, OperationalError, InterfaceError, ConnectionError,
             TimeoutError)


@shared_task(name="matching.notifications.dispatch_reminders", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=True,
             retry_backoff_max=120, retry_jitter=True, max_retries=3)
def dispatch_reminders() -> int:
    """Beat, every few minutes. Idempotent: planning inserts nothing twice, claiming skips
    what another dispatcher holds."""
    return len(dispatch.reminders_dispatch())


@shared_task(name="matching.notifications.send_reminder", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=10,
             retry_backoff_max=300, retry_jitter=True, max_retries=8)
def send_reminder(reminder_id: int) -> str | None:
    """Idempotent: a reminder already sent, or being sent by another worker, is left alone."""
    return dispatch.reminder_send(reminder_id=reminder_id)
