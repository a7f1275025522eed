"""Celery tasks that only the memory benchmark's worker loads (`-I bench.memory_tasks`): the
re-matching of a fiscal year with a share of its projects drifted, and one reminder dispatch
call, each the real service in the worker's process, in a transaction that is then rolled
back so the bench data stays as it was. Each writes its time and its process's peak resident
memory (VmHWM) to `report`, a JSON file the bench waits for (the app keeps no task results)."""

import json
import time
from pathlib import Path

from celery import shared_task


class _Rollback(Exception):
    pass


def _rolled_back(work) -> tuple[float, object]:
    from django.db import transaction

    start = time.perf_counter()
    try:
        with transaction.atomic():
            raise _Rollback(work())
    except _Rollback as done:
        return time.perf_counter() - start, done.args[0]


def _report(report: str, seconds: float, what: str) -> None:
    from .bench_memory import peak_kb

    written = Path(f"{report}.part")  # renamed when whole: the bench waits for `report`
    written.write_text(json.dumps({"seconds": seconds, "what": what, "peak_kb": peak_kb()}))
    written.replace(report)


@shared_task(name="bench.rematch")
def rematch(report: str, year: int, share: float) -> None:
    from django.db import connection

    from matching.models import ASSOCIATION_ROLE, User
    from matching.services.projects import OPEN_STATES
    from matching.services.recompute import matches_recompute

    from .bench_recompute import DRIFT_SQL

    def work():
        with connection.cursor() as cursor:
            cursor.execute(DRIFT_SQL, {"year": year, "open": list(OPEN_STATES),
                                       "association": ASSOCIATION_ROLE,
                                       "per_mille": round(share * 1000)})
        summary = matches_recompute(fiscal_year=year,
                                    actor=User.objects.get(username="admin"))
        return f"{summary.projects} projects, {len(summary.changed)} corrected"

    seconds, what = _rolled_back(work)
    _report(report, seconds, what)


@shared_task(name="bench.dispatch")
def dispatch(report: str, now_iso: str) -> None:
    """One reminders_dispatch call at `now` (the busiest due day's evening): it plans the
    local days that are today somewhere, claims what is due (one capped batch) and hands each
    reminder to the broker; the bench removes those messages afterwards."""
    import datetime

    from matching.notifications.dispatch import reminders_dispatch

    now = datetime.datetime.fromisoformat(now_iso)
    seconds, what = _rolled_back(lambda: f"{len(reminders_dispatch(now=now))} handed")
    _report(report, seconds, what)
