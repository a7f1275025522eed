"""Celery tasks of the reminders: thin, an id in, the service does the work.

Imported by handlers.py (listed in matching.apps.HANDLER_MODULES), so every worker that
loads Django registers them.
"""

from collections import Counter

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval

from . import dispatch, planning
from .dispatch import TRANSIENT

SEND_RETRIES = 8


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


@shared_task(bind=True, name="matching.notifications.send_reminders", acks_late=True,
             reject_on_worker_lost=True, max_retries=SEND_RETRIES)
def send_reminders(self, reminder_ids: list[int]) -> dict[str, int]:
    """A batch the dispatcher claimed, each reminder sent on its own. Idempotent: a reminder
    already sent, or being sent by another worker, is left alone, so a redelivered batch
    (acks_late: its worker died) sends only what it had not. Those that failed transiently
    are retried as a smaller batch, after a backoff (10 s doubling up to 5 minutes, jittered);
    returns how many reminders ended in each state ("none": nothing to do)."""
    outcome, again = dispatch.reminders_send(reminder_ids=reminder_ids)
    if again:
        raise self.retry(args=[again], countdown=get_exponential_backoff_interval(
            factor=10, retries=self.request.retries, maximum=300, full_jitter=True))
    return dict(Counter(str(status).lower() for status in outcome.values()))


@shared_task(name="matching.notifications.send_reminder", acks_late=True,
             reject_on_worker_lost=True, autoretry_for=TRANSIENT, retry_backoff=10,
             retry_backoff_max=300, retry_jitter=True, max_retries=SEND_RETRIES)
def send_reminder(reminder_id: int) -> str | None:
    """One reminder: the messages queued before dispatch handed batches are still served.
    Idempotent: a reminder already sent, or being sent by another worker, is left alone."""
    return dispatch.reminder_send(reminder_id=reminder_id)
