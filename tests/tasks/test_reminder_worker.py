"""Reminders through a real Celery worker and a real (private) Redis, and through faults:
the worker killed mid-send, the broker gone while a pledge is made."""

import datetime
import json
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from matching import models as m
from matching import outbox, services
from matching.notifications import tasks

from .conftest import wait_for

pytestmark = pytest.mark.slow
FAR = datetime.date(2099, 1, 1)


def _tranche_due_today(world) -> m.Tranche:
    project = world.approved()
    m.Tranche.objects.filter(commitment__project=project).update(due_on=FAR)
    tranche = m.Tranche.objects.get(commitment__project=project, commitment__role="district",
                                    number=1)
    m.Tranche.objects.filter(pk=tranche.pk).update(due_on=timezone.localdate())
    return tranche


def _statuses(tranche) -> set[str]:
    return set(m.Reminder.objects.filter(subject_type="tranche", subject_id=tranche.pk)
               .values_list("status", flat=True))


def test_beat_dispatch_through_a_real_worker_sends_each_reminder_once(world, start_worker):
    tranche = _tranche_due_today(world)
    worker = start_worker()

    tasks.dispatch_reminders.delay()
    wait_for(lambda: _statuses(tranche) == {"sent"}, what="the reminders to be sent")
    tasks.dispatch_reminders.delay()  # beat again: nothing more to send
    # the outbox's decision notifications went through the same worker
    wait_for(lambda: m.Reminder.objects.filter(kind="project_decided", status="sent").count()
             == 2, what="the decision notifications")

    # the worker writes the mail after marking the row: wait for its output, do not race it
    wait_for(lambda: len([m_ for m_ in worker.emails() if "Tranche 1" in m_]) >= 2,
             what="both e-mails in the worker's output")
    sent = [mail for mail in worker.emails() if "Tranche 1" in mail]
    assert len(sent) == 2 and {"To: bob@example.org", "To: erin@example.org"} <= {
        line for mail in sent for line in mail.splitlines()}
    assert m.MessageLog.objects.filter(reminder__subject_id=tranche.pk, channel="email",
                                       result="sent").count() == 2


class HangingGateway:
    """An SMS gateway that holds its first request open (the worker is mid-send) and
    answers the others; `delivered` counts the messages it answered, by idempotency key."""

    def __init__(self):
        self.arrived, self.release = threading.Event(), threading.Event()
        self.requests, self.delivered = [], []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                key = self.headers["Idempotency-Key"]
                json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append(key)
                if len(gateway.requests) == 1:
                    gateway.arrived.set()
                    gateway.release.wait(timeout=20)
                    return  # the sender is dead: nothing delivered
                gateway.delivered.append(key)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    gateway = HangingGateway()
    yield gateway
    gateway.close()


def test_worker_killed_mid_send_sends_the_reminder_exactly_once(world, start_worker, gateway):
    # given bob is told by SMS only, and is the only one told
    m.User.objects.filter(pk=world.bob.pk).update(notify_by_email=False, notify_by_sms=True,
                                                  phone="+998901112233")
    m.User.objects.filter(pk=world.erin.pk).update(is_active=False)
    tranche = _tranche_due_today(world)
    worker = start_worker(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN="t")

    # when the worker process dies (SIGKILL) while the gateway holds its request
    tasks.dispatch_reminders.delay()
    assert gateway.arrived.wait(timeout=15)
    for child in worker.children():
        os.kill(child, signal.SIGKILL)
    gateway.release.set()

    # then the pool restarts a process, the task comes back (acks_late, reject_on_worker_lost),
    # the dead transaction's lock is gone and the reminder goes out once
    wait_for(lambda: _statuses(tranche) == {"sent"}, timeout=20, what="the resend")
    reminder = m.Reminder.objects.get(subject_id=tranche.pk, recipient=world.bob)
    assert len(gateway.requests) == 2 and set(gateway.requests) == {
        f"hashar-reminder-{reminder.pk}-sms"}
    assert gateway.delivered == [f"hashar-reminder-{reminder.pk}-sms"]
    assert m.MessageLog.objects.filter(reminder=reminder, result="sent").count() == 1
    tasks.dispatch_reminders.delay()  # the next beat finds nothing to resend
    wait_for(lambda: sum("dispatch_reminders[" in line and "succeeded" in line
                         for line in worker.log.read_text().splitlines()) >= 2,
             what="the second beat")
    assert len(gateway.delivered) == 1


def test_pledge_made_while_redis_is_down_is_kept_and_notified_when_it_is_back(
        world, start_worker, private_redis):
    project = world.approved()
    worker = start_worker()
    wait_for(lambda: m.OutboxMessage.objects.filter(processed_at__isnull=True).count() == 0,
             what="the approval's events")

    private_redis.stop()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="750.00",
                                    currency="UZS",
                                    expected_on=timezone.localdate() + datetime.timedelta(days=9))

    assert m.Pledge.objects.filter(pk=pledge.pk).exists()  # the pledge is saved
    message = m.OutboxMessage.objects.get(topic="pledge.created", payload__pledge_id=pledge.pk)
    assert message.relayed_at is None  # and its event waits in the outbox

    private_redis.start()

    def relay():  # what the beat's relay_outbox does every 15 seconds
        try:
            return outbox.relay()
        except Exception:  # the pool's old connection died with the old server
            return 0

    wait_for(relay, what="the relay")
    wait_for(lambda: m.Reminder.objects.filter(kind="pledge_announced", subject_id=pledge.pk,
                                               status="sent").exists(),
             timeout=20, what="the pledge notification")
    notified = m.Reminder.objects.get(kind="pledge_announced", subject_id=pledge.pk)
    assert notified.recipient == world.alice
    assert [mail for mail in worker.emails() if "750" in mail and "alice@" in mail]
