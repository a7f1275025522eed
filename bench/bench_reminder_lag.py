"""The lag between a change and its planned reminder, through the outbox and a real worker.

Beat's planner plans each day ahead and again every 15 minutes; before re-planning on change,
something created after its day was planned (a pledge announced today that was expected a
week ago yesterday) waited for the planner's next run: up to 900 s. Now the change's own
outbox event (written in its transaction) is relayed after commit and a worker plans that
project's reminders at once (matching/notifications/replanning.py).

Measured: today is planned (as beat's planner leaves it), a private Redis and a Celery worker
of every queue are started against the bench database, then CHANGES pledges are announced,
each on another project, through the pledge service; for each, the time from its commit until
its PLEDGE_OVERDUE reminder row exists. Also, in-process and rolled back: re-planning one
project against planning the whole day (what the planner would have to run again). Whatever
the bench created is deleted afterwards.
"""

from __future__ import annotations

import datetime
import os
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from .common import Line, rolled_back

CHANGES = 20
ROOT = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"timed out waiting for {what}")


class PrivateWorker:
    """A Redis of its own (the shared one may have make run's worker on it) and a worker of
    every queue on the bench database."""

    def __init__(self):
        from django.conf import settings
        from django.db import connection

        from config.devservices import _redis_bin

        self.redis_port = _port()
        self.redis = subprocess.Popen([_redis_bin(), "--port", str(self.redis_port), "--bind",
                                       "127.0.0.1", "--save", "", "--appendonly", "no"],
                                      stdout=subprocess.DEVNULL)
        _wait(lambda: socket.socket().connect_ex(("127.0.0.1", self.redis_port)) == 0, 10,
              "redis")
        self.url = f"redis://127.0.0.1:{self.redis_port}/0"
        s = connection.settings_dict
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "REDIS_URL": self.url,
               "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}",
               "DJANGO_ENV": "development", "DJANGO_DEBUG": "false", "LOG_LEVEL": "WARNING"}
        self.log = ROOT / "var" / "bench-reminder-lag-worker.log"
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-c", "2",
             "-Q", ",".join(settings.WORKER_QUEUES), "--without-gossip", "--without-mingle",
             "-l", "info"], cwd=ROOT, env=env, stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT, start_new_session=True)
        _wait(lambda: "ready." in self.log.read_text(errors="replace"), 60, "the worker")

    def stop(self):
        os.killpg(self.worker.pid, 15)
        self.worker.wait(timeout=30)
        self.redis.terminate()
        self.redis.wait(timeout=10)


def _point_celery_at(url: str) -> str:
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    return previous


def run() -> list[Line]:
    from django.db.models import Max
    from django.utils import timezone

    from matching import models as m
    from matching import services
    from matching.models.notifications import ReminderPlan
    from matching.notifications import planning, replanning

    today = timezone.localdate()
    association = m.User.objects.get(username="association")
    projects = list(m.Project.objects.filter(
        status__in=["funding", "approved"], association_id=association.association_id)
        .order_by("-id")[:CHANGES])
    assert len(projects) == CHANGES, "too few open projects of the demo association"
    days = planning.days_now(within=planning.PLAN_AHEAD)
    planned_before = planning.planned(days)
    first = {model: model.objects.aggregate(n=Max("id"))["n"] or 0
             for model in (m.Reminder, m.Pledge, m.OutboxMessage)}

    # what the planner costs for today, and what re-planning one project costs (rolled back)
    full_s, _n = rolled_back(lambda _: planning.plan(today))
    planning.plan_days([day for day in days if day not in planned_before])
    one_s = statistics.median(rolled_back(lambda _: replanning.replan(
        project_ids=[project.pk]))[0] for project in projects[:5])

    worker = PrivateWorker()
    previous = _point_celery_at(worker.url)
    lags = []
    try:
        for project in projects:
            pledge = services.pledge_create(project=project, actor=association,
                                            amount=Decimal("100.00"), currency="RUB",
                                            expected_on=today - datetime.timedelta(days=8))
            committed = time.perf_counter()  # the after-commit relay has run by now
            _wait(lambda: m.Reminder.objects.filter(kind=m.ReminderKind.PLEDGE_OVERDUE,
                                                    subject_id=pledge.pk).exists(),
                  120, "the reminder")
            lags.append(time.perf_counter() - committed)
    finally:
        _point_celery_at(previous)
        worker.stop()
        m.Reminder.objects.filter(pk__gt=first[m.Reminder]).delete()
        m.OutboxMessage.objects.filter(pk__gt=first[m.OutboxMessage]).delete()
        m.Pledge.objects.filter(pk__gt=first[m.Pledge]).delete()
        ReminderPlan.objects.filter(day__in=days).exclude(day__in=planned_before).delete()

    worst, median = max(lags), statistics.median(lags)
    return [
        Line("reminder lag: change → planned", worst, 900.0, "s", "< 60 s", worst < 60,
             "-", f"(worst of {CHANGES} pledges announced after their day was planned, "
                  f"median {median:.3f} s; through the outbox and a real worker; baseline: "
                  f"the planner's period, which bounded the lag before)"),
        Line("re-planning one project", one_s * 1000, full_s * 1000, "ms",
             "informational", True, "3",
             "(in the worker, per change; baseline: planning the whole of today again)"),
    ]
