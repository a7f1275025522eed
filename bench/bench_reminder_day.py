"""A whole busy reminder day, as beat and the dispatcher live it: planning the local days,
every dispatch call until nothing is due, and handing every reminder to the broker (the real
Celery app on the private Redis), against the cheapest code that moves the same rows and
messages: one INSERT … SELECT of the same due rows into a bare table plus one Redis pipeline
pushing the same number of messages.

Each run commits (as production does), then deletes what it created, purges the messages it
queued (nothing consumes them here) and vacuums: untimed. The busiest due day is the one
bench_reminders.py uses."""

import datetime
import statistics
import time

from django.db import connection, transaction
from django.db.models import Count, Max

from .bench_reminders import DUE_SQL
from .common import Line

RUNS = 3  # the median: the first run pays the one-time Celery set-up (imports, producer pool)
MESSAGE = b"x" * 900  # about the size of a send_reminder message with Celery's headers


def run() -> list[Line]:
    import redis
    from django.conf import settings
    from django.utils import timezone

    from matching.models import Reminder, Tranche
    from matching.models.notifications import ReminderPlan
    from matching.notifications import planning
    from matching.notifications.dispatch import reminders_dispatch

    day = (Tranche.objects.filter(paid_on__isnull=True).values("due_on").order_by()
           .annotate(n=Count("id")).order_by("-n").values_list("due_on", flat=True).first())
    now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 0)))
    days = planning.days_now(now)
    assert not ReminderPlan.objects.filter(day__in=days).exists(), \
        f"{days} are planned in the bench database: a run was interrupted? delete them first"
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = "reminders"

    def whole_day() -> dict:
        first_id = Reminder.objects.aggregate(n=Max("id"))["n"] or 0
        queued_before = broker.llen(queue)
        start = time.perf_counter()
        with transaction.atomic():
            planned = sum(planning.plan_days(days).values())
        handed, calls = 0, 0
        while True:
            calls += 1
            claimed = reminders_dispatch(now=now)  # hands each batch to the broker
            handed += len(claimed)
            if not claimed:
                break
        seconds = time.perf_counter() - start
        queued = broker.llen(queue) - queued_before
        # untimed: undo
        broker.delete(queue)
        last_id = Reminder.objects.aggregate(n=Max("id"))["n"]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM matching_reminder WHERE id > %s AND id <= %s",
                           [first_id, last_id])
            cursor.execute("DELETE FROM matching_reminderplan WHERE day = ANY(%s)", [days])
            cursor.execute("VACUUM ANALYZE matching_reminder")
        return {"seconds": seconds, "planned": planned, "handed": handed, "calls": calls,
                "queued": queued}

    def baseline(messages: int) -> float:
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_due (id bigint) ON COMMIT DROP")
            cursor.execute(f"INSERT INTO bench_due {DUE_SQL}", {"d": day})
            pipe = broker.pipeline(transaction=False)
            for _ in range(messages):
                pipe.lpush("bench_baseline", MESSAGE)
            pipe.execute()
        seconds = time.perf_counter() - start
        broker.delete("bench_baseline")
        return seconds

    runs, bases = [], []
    for _ in range(RUNS):
        runs.append(whole_day())
        bases.append(baseline(runs[-1]["handed"]))
    measured = statistics.median(r["seconds"] for r in runs)
    base = statistics.median(bases)
    last = runs[-1]
    return [Line("reminder day: plan, dispatch, broker", measured, base, "s",
                 "<= 3 x INSERT..SELECT + pipeline", measured <= 3 * base, "-",
                 f"({last['planned']} planned, {last['handed']} handed in {last['calls']} "
                 f"dispatch calls, {last['queued']} messages queued; median of {RUNS})")]
