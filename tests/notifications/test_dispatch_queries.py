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
    # the time zones, the days planned, two per local day beat's planner has not planned
    # (the day's ReminderPlan row, its reminders), one claim per batch (50 + 50 + 20)
    assert len(queries) == 2 + 2 * days + 3, queries
    assert len(handed) == 120
    assert not m.Reminder.objects.filter(enqueued_at__isnull=True).exists()
    # the days are planned now; nothing left to claim: one claim, which comes back empty
    queries, handed = _queries(now)
    assert (len(queries), handed) == (2 + 1, []), queries


def test_a_claimed_reminder_is_not_claimed_again_until_its_requeue_delay(world):
    now = timezone.now()
    _due_reminders(world, 3, now)
    first = dispatch.claim_due(now=now)
    assert len(first) == 3 and dispatch.claim_due(now=now) == []
    later = now + dispatch.requeue_after() + datetime.timedelta(seconds=1)
    assert dispatch.claim_due(now=later) == first


def _hot_updates() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'matching_reminder'")
        return cursor.fetchone() or (0, 0)


def test_a_claim_updates_its_rows_in_place_without_writing_an_index(world):
    """No index covers `enqueued_at`, not even in its condition, and the table's pages keep
    room for the claimed versions: the claim is a HOT update (no index entry written)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes "
                       "WHERE tablename = 'matching_reminder'")
        indexes = dict(cursor.fetchall())
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'matching_reminder'")
        options = cursor.fetchone()[0]
    assert not [name for name, sql in indexes.items() if "enqueued_at" in sql]
    # the recipient's own index is gone: reminder_recipient_open starts with the recipient
    assert [name for name, sql in indexes.items() if "(recipient_id" in sql] == [
        "reminder_recipient_open"]
    assert "fillfactor=50" in options

    now = timezone.now()
    _due_reminders(world, 120, now)
    updated, hot = _hot_updates()
    assert len(dispatch.claim_due(now=now, limit=200)) == 120
    after_updated, after_hot = _hot_updates()
    # a claimed version is 8 bytes longer (enqueued_at was NULL): on a page full of short
    # rows the last one or two may not fit (on the bench's 10,000 claimed: every one did)
    assert after_updated - updated == 120 and after_hot - hot >= 110
