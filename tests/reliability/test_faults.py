"""Faults with real processes (`make reliability` only): Redis stopped under a live web
server and worker, and a worker SIGKILLed mid-task. (PostgreSQL restarted under a load of
writes: bench/reliability_pg.py, which needs a server of its own.)

A private Redis and worker from tests/tasks/conftest.py; never the shared servers.
"""

import datetime
import os
import re
import subprocess
import sys

import pytest
import requests
from django.utils import timezone
from knox.models import AuthToken

from matching import ledger
from matching import models as m
from matching import outbox
from matching.tasks import process_outbox_message
from tests.tasks.conftest import (ROOT, _database_url, _free_port, private_redis,  # noqa: F401
                                  start_worker, wait_for)
from tests.tasks.test_reminder_worker import (
    HangingGateway, test_worker_killed_mid_send_sends_the_reminder_exactly_once as killed_mid_send)

from .conftest import full_only

pytestmark = [pytest.mark.slow, full_only("real web server, worker and Redis faults")]


class WebServer:
    """gunicorn on a free port, on this test's database and the private Redis."""

    def __init__(self, redis, tmp_path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "gunicorn.log"
        env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": _database_url(),
               "REDIS_URL": redis.url, "DATABASE_CONN_MAX_AGE": "0"}
        env.pop("PYTEST_VERSION", None)
        env.pop("TEST_DATABASE_NAME", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "-b",
             f"127.0.0.1:{self.port}", "-w", "2", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT)

        def up():
            try:
                return requests.get(f"{self.url}/health/", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout=30, what="gunicorn")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)


def _officer_session(server, username):
    session = requests.Session()
    page = session.get(f"{server.url}/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    done = session.post(f"{server.url}/login/", data={
        "username": username, "password": "pass-word-123", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.url}/login/"}, allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text[:500]
    return session


def test_requests_succeed_while_redis_is_down_and_every_notification_goes_once(
        world, start_worker, private_redis, tmp_path, figures):
    # given a live web server and a worker on the private Redis
    approvals, pledges = 3, 10  # room for 3 after `funded`
    funded = world.approved()
    waiting = []
    for i in range(approvals):
        project = world.submitted(title=f"Pipe {i}")
        world.alice.refresh_from_db()
        from matching import services
        services.project_review_start(project=project, actor=world.erin)
        waiting.append(project)
    worker = start_worker()
    server = WebServer(private_redis, tmp_path)
    try:
        wait_for(lambda: not m.OutboxMessage.objects.filter(processed_at__isnull=True).exists(),
                 timeout=30, what="the set-up's events")
        already = set(m.OutboxMessage.objects.values_list("pk", flat=True))
        officer = _officer_session(server, "bob")
        _, token = AuthToken.objects.create(world.migrant)

        # when Redis stops and pledges and approvals are made through HTTP
        private_redis.stop()
        statuses, seconds = [], []
        for i in range(pledges):
            r = requests.post(f"{server.url}/api/v1/pledges/", json={
                "project": funded.pk, "amount": f"{1000 + i}.00", "currency": "RUB",
                "expected_on": str(timezone.localdate() + datetime.timedelta(days=40))},
                headers={"Authorization": f"Token {token}"}, timeout=30)
            statuses.append(r.status_code)
            seconds.append(r.elapsed.total_seconds())
        for project in waiting:
            r = officer.post(f"{server.url}/officer/projects/{project.pk}/decide/", data={
                "decision": "approve", "reason": "Good value",
                "csrfmiddlewaretoken": officer.cookies["csrftoken"]},
                headers={"Referer": f"{server.url}/officer/"}, allow_redirects=False,
                timeout=30)
            statuses.append(r.status_code)
            seconds.append(r.elapsed.total_seconds())
        print("request seconds with Redis down:", seconds)
        assert statuses == [201] * pledges + [302] * approvals, statuses
        new = m.OutboxMessage.objects.exclude(pk__in=already)
        waiting_events = new.filter(relayed_at__isnull=True).count()
        assert waiting_events == new.count() >= pledges + approvals

        # then, once Redis is back, the relay (beat's job) sends each event, each handler
        # runs, and a second delivery of every message changes nothing
        private_redis.start()

        def relay():
            try:
                outbox.relay()
            except Exception:  # the pool's connection died with the old server
                return False
            return not new.filter(relayed_at__isnull=True).exists()

        wait_for(relay, timeout=30, what="the relay")
        wait_for(lambda: not new.filter(processed_at__isnull=True).exists(), timeout=60,
                 what="the handlers")
        reminders = m.Reminder.objects.filter(kind__in=["pledge_announced", "project_decided"],
                                              created_at__gte=timezone.now()
                                              - datetime.timedelta(minutes=10))
        wait_for(lambda: reminders.exists() and not reminders.exclude(status="sent").exists(),
                 timeout=60, what="the notifications")
        sent_before = m.MessageLog.objects.filter(result="sent").count()
        for message in new:  # a duplicate delivery of every message
            process_outbox_message.delay(message.pk)
        wait_for(lambda: sum("process_outbox_message[" in line and "succeeded" in line
                             for line in worker.log.read_text().splitlines())
                 >= 2 * new.count(), timeout=60, what="the duplicates")
        logs = m.MessageLog.objects.filter(reminder__in=reminders, result="sent")
        per_reminder = {r.pk: logs.filter(reminder=r).count() for r in reminders}
        assert set(per_reminder.values()) == {1}, per_reminder
        assert m.MessageLog.objects.filter(result="sent").count() == sent_before
        pledged = reminders.filter(kind="pledge_announced").count()
        decided = reminders.filter(kind="project_decided").count()
        assert pledged >= pledges and decided >= approvals
        assert ledger.verify() == []
    finally:
        server.stop()
    figures("redis down", f"{pledges} pledges + {approvals} approvals over HTTP with Redis "
            f"stopped → {statuses.count(201)} × 201, {statuses.count(302)} × 302 "
            f"(slowest {max(seconds):.2f} s); "
            f"{waiting_events} events waited in the outbox; after Redis returned "
            f"{len(per_reminder)} notifications ({pledged} pledge, {decided} decision), each "
            f"sent exactly once, also after a duplicate delivery of all {new.count()} "
            "messages; ledger verified OK")


def test_worker_killed_mid_task_does_the_work_exactly_once(world, start_worker, figures):
    gateway = HangingGateway()
    try:
        killed_mid_send(world, start_worker, gateway)
    finally:
        gateway.close()
    assert ledger.verify() == []
    figures("worker SIGKILL", f"worker killed mid-send → task redelivered, gateway saw "
            f"{len(gateway.requests)} attempts with one idempotency key, delivered "
            f"{len(gateway.delivered)}; MessageLog sent 1; ledger verified OK")
