"""Dispatch costs a number of queries that grows with batches, never with reminders."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import models as m
from matching.notifications import dispatch, planning


def _due_reminders(world, count: int, now) -> None:
    m.Reminder.objects.bulk_create([
        m.Reminder(subject_type=m.SubjectType.PROJECT, subject_id=n, period=now.date(),
                   kind=m.ReminderKind.REVIEW_WAITING, recipient=world.alice,
                   due_at=now - datetime.timedelta(minutes=1)) for n in range(count)])


def _queries(now) -> tuple[list[str], list[int]]:
    with CaptureQueriesContext(connection) as captured:
        handed = dispatch.reminders_dispatch(now=now, send=lambda ids: None)
    return [q["sql"].split("(")[0].strip()[:40] for q in captured.captured_queries], handed


def test_dispatch_queries_grow_with_batches_not_reminders(world, monkeypatch):
    monkeypatch.setattr(dispatch, "CLAIM_BATCH", 50)
    now = timezone.now()
    days = len(planning.days_now(now))
    _due_reminders(world, 120, now)
    queries, handed = _queries(now)
    # the time zones, one plan per local day, one claim per batch (50 + 50 + 20)
    assert len(queries) == 1 + days + 3, queries
    assert len(handed) == 120
    assert not m.Reminder.objects.filter(enqueued_at__isnull=True).exists()
    # nothing left to claim: one claim, which comes back empty
    queries, handed = _queries(now)
    assert (len(queries), handed) == (1 + days + 1, []), queries


def test_a_claimed_reminder_is_not_claimed_again_until_its_requeue_delay(world):
    now = timezone.now()
    _due_reminders(world, 3, now)
    first = dispatch.claim_due(now=now)
    assert len(first) == 3 and dispatch.claim_due(now=now) == []
    later = now + dispatch.requeue_after() + datetime.timedelta(seconds=1)
    assert dispatch.claim_due(now=later) == first
