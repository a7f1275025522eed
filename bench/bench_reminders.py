"""Reminder dispatch on a due day over the whole data set (about 100,000 tranches) against a
raw SQL select of the due rows.

Beat's planner (`plan_reminders`, every 15 minutes) plans a day before its send hour, so the
dispatch measured is that of a planned day. Each run plans the day's reminders and commits, as
the planner does (timed, and printed on its own informational line: it runs in beat, ahead of
the day, not in the dispatch), dispatches in a transaction that is rolled back (timed), then
deletes what the planning created (untimed). Planning inside the dispatch's transaction would
be cheaper to undo but not what happens: PostgreSQL re-checks the foreign keys of every row
updated in the transaction that inserted it, 72 ms of checks on 10,000 claims that a claim of
committed rows never runs.
"""

import datetime
import statistics
import time

from django.db import connection, transaction
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext

from .common import Line, best_of, rolled_back

DUE_SQL = """
SELECT t.id FROM matching_tranche t
WHERE t.paid_on IS NULL AND t.due_on IN (%(d)s, %(d)s + 1, %(d)s + 7)
   OR (t.paid_on IS NULL AND t.due_on < %(d)s AND (%(d)s - t.due_on) %% 7 = 1)
"""
RUNS = 3



def _own(queries: CaptureQueriesContext) -> int:
    """The statements the code under test sent: not the bench's BEGIN, COMMIT, ROLLBACK or
    SET CONSTRAINTS (Django logs the first three too)."""
    return sum(not q["sql"].startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET CONSTRAINTS"))
               for q in queries.captured_queries)


def run() -> list[Line]:
    from django.utils import timezone

    from matching.models import Reminder, Tranche
    from matching.models.notifications import ReminderPlan
    from matching.notifications import planning
    from matching.notifications.dispatch import reminders_dispatch

    # the busiest day: the one on which most unpaid tranches fall due
    day = (Tranche.objects.filter(paid_on__isnull=True).values("due_on").order_by()
           .annotate(n=Count("id")).order_by("-n").values_list("due_on", flat=True).first())
    now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 0)))
    days = planning.days_now(now)  # the local days dispatch needs planned at that moment
    assert not ReminderPlan.objects.filter(day__in=days).exists(), \
        f"{days} are planned in the bench database: a run was interrupted? delete them first"
    reminders_before = Reminder.objects.count()

    def plan() -> dict:
        """Plan the days and commit, as beat's planner does (the commit runs the FK checks)."""
        with connection.cursor() as cursor:
            cursor.execute("VACUUM matching_reminder")  # the previous run's leftovers; untimed
        first_id = Reminder.objects.aggregate(n=Max("id"))["n"] or 0
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            created = sum(planning.plan_days(days).values())
        return {"plan": time.perf_counter() - start, "created": created,
                "plan_queries": _own(queries), "first_id": first_id,
                "last_id": Reminder.objects.aggregate(n=Max("id"))["n"]}

    def dispatch() -> dict:
        with CaptureQueriesContext(connection) as queries:
            seconds, claimed = rolled_back(lambda _: reminders_dispatch(now=now, send=len))
        return {"dispatch": seconds, "claimed": len(claimed), "dispatch_queries": _own(queries)}

    def unplan(planned: dict) -> None:
        """Delete what the planning created (nobody else writes reminders in the bench
        database) and the days' ReminderPlan rows; refresh the statistics."""
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM matching_reminder WHERE id > %s AND id <= %s",
                           [planned["first_id"], planned["last_id"]])
            cursor.execute("DELETE FROM matching_reminderplan WHERE day = ANY(%s)", [days])
            cursor.execute("VACUUM ANALYZE matching_reminder")

    def planned_dispatch() -> dict:
        planned = plan()
        try:
            return planned | dispatch()
        finally:
            unplan(planned)

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(DUE_SQL, {"d": day})
            return cursor.fetchall()

    first, due = planned_dispatch(), baseline()  # warm-up
    runs = [planned_dispatch() for _ in range(RUNS)]
    base = best_of(baseline, RUNS)
    plan_s = statistics.median(r["plan"] for r in runs)
    dispatch_s = statistics.median(r["dispatch"] for r in runs)
    assert Reminder.objects.count() == reminders_before
    assert not ReminderPlan.objects.filter(day__in=days).exists()
    return [
        Line("reminder dispatch (planned day)", dispatch_s * 1000, base * 1000, "ms",
             "<= 3 x baseline", dispatch_s <= 3 * base, str(first["dispatch_queries"]),
             f"({first['claimed']} reminders claimed, {len(due)} due tranches)"),
        Line("reminder planning of that day", plan_s * 1000, base * 1000, "ms",
             "informational (beat, ahead of the day)", True, str(first["plan_queries"]),
             f"({first['created']} reminders for the local days "
             f"{', '.join(map(str, days))}, with ANALYZE and the commit's FK checks)"),
    ]
