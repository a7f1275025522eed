"""Reminder dispatch on a due day over the whole data set (about 100,000 tranches) against a
raw SQL select of the due rows."""

import datetime

from django.db import connection, transaction
from django.db.models import Count

from .common import Line, best_of, count_queries

DUE_SQL = """
SELECT t.id FROM matching_tranche t
WHERE t.paid_on IS NULL AND t.due_on IN (%(d)s, %(d)s + 1, %(d)s + 7)
   OR (t.paid_on IS NULL AND t.due_on < %(d)s AND (%(d)s - t.due_on) %% 7 = 1)
"""


class Rollback(Exception):
    pass


def run() -> list[Line]:
    from django.utils import timezone

    from matching.models import Reminder, Tranche
    from matching.notifications.dispatch import reminders_dispatch

    # the busiest day: the one on which most unpaid tranches fall due
    day = (Tranche.objects.filter(paid_on__isnull=True).values("due_on").order_by()
           .annotate(n=Count("id")).order_by("-n").values_list("due_on", flat=True).first())
    now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 0)))

    def dispatch():
        sent = []
        try:
            with transaction.atomic():
                sent = reminders_dispatch(now=now, send=lambda ids: len(ids))
                with connection.cursor() as cursor:
                    # the foreign-key checks a commit would run, which the rollback skips
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                raise Rollback  # leave the data set as it was for the next run
        except Rollback:
            pass
        return sent

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(DUE_SQL, {"d": day})
            return cursor.fetchall()

    claimed, due = dispatch(), baseline()
    measured, base = best_of(dispatch, 3), best_of(baseline, 3)
    queries = count_queries(dispatch)  # with the bench's own BEGIN, SET CONSTRAINTS and ROLLBACK
    assert not Reminder.objects.filter(due_at=now).exists()
    return [Line("reminder dispatch (due day)", measured * 1000, base * 1000, "ms",
                 "<= 3 x baseline", measured <= 3 * base, str(queries),
                 f"({len(claimed)} reminders claimed, {len(due)} due tranches)")]
