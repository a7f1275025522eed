"""Celery tasks of the reminders: thin, an id in, the service does the work.

Imported by handlers.py (listed in matching.apps.HANDLER_MODULES), so every worker that
loads Django registers them.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import dispatch, planning
from .channels import TransientDeliveryError

TRANSIENT = (TransientDeliveryError, OperationalError, InterfaceError, ConnectionError,
             TimeoutError)


@shared_task(name="matching.notifications.plan_reminders", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=True,
             retry_backoff_max=120, retry_jitter=True, max_retries=3)
def plan_reminders() -> int:
    """Beat, every 15 minutes: plan every day that is today somewhere or about to begin,
    before its send hour. Idempotent: planning inserts nothing twice; returns how many it
    created."""
    return sum(planning.plan_ahead().values())


@shared_task(name="matching.notifications.dispatch_reminders", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=True,
             retry_backoff_max=120, retry_jitter=True, max_retries=3)
def dispatch_reminders() -> int:
    """Beat, every few minutes. Idempotent: claiming skips what another dispatcher holds, and
    a day it has to plan (the planner has not run) gets nothing twice."""
    return len(dispatch.reminders_dispatch())


@shared_task(name="matching.notifications.send_reminder", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=10,
             retry_backoff_max=300, retry_jitter=True, max_retries=8)
def send_reminder(reminder_id: int) -> str | None:
    """Idempotent: a reminder already sent, or being sent by another worker, is left alone."""
    return dispatch.reminder_send(reminder_id=reminder_id)
