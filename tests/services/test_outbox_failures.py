"""The outbox never strands an event: a failing handler is retried with backoff, its every
failure recorded, dead-lettered after OUTBOX_MAX_ATTEMPTS, shown to administrators and
auditors, and replayed exactly once."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from matching import outbox
from matching import models as m

TOPIC = "test.flaky"


@pytest.fixture
def flaky(monkeypatch):
    """A handler of TOPIC that fails while `fail` is true and counts its successful runs;
    its writes are rolled back with each failure."""

    class Flaky:
        fail = True
        calls = 0
        succeeded = 0

        def __call__(self, message):
            self.calls += 1
            m.Country.objects.create(code=f"Q{self.calls % 10}", name=f"written {self.calls}",
                                     currency="UZS", timezone="Asia/Tashkent")
            if self.fail:
                raise RuntimeError(f"the receiver is down (call {self.calls})")
            self.succeeded += 1

    handler = Flaky()
    monkeypatch.setitem(outbox._handlers, TOPIC, [handler])
    return handler


def _due_ids():
    return set(outbox.due().values_list("id", flat=True))


def test_a_failing_handler_is_retried_dead_lettered_and_replayed_exactly_once(
        db, flaky, settings, world):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 30
    countries = m.Country.objects.count()
    message = m.OutboxMessage.objects.create(topic=TOPIC, payload={"n": 1})
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        # first failure: counted, its error kept, its writes rolled back, due again in 30 s
        assert outbox.process(message.pk) == "failed"
        message.refresh_from_db()
        assert (message.attempts, message.dead_at, message.processed_at) == (1, None, None)
        assert "the receiver is down (call 1)" in message.last_error
        assert message.next_attempt_at == start + datetime.timedelta(seconds=30)
        assert m.Country.objects.count() == countries
        assert message.pk not in _due_ids()  # backing off
        clock.shift(31)
        assert message.pk in _due_ids()
        # second failure: the pause doubles
        assert outbox.process(message.pk) == "failed"
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at - message.last_attempt_at == datetime.timedelta(seconds=60)
        clock.shift(61)
        # third failure: dead-lettered, never due again by itself
        assert outbox.process(message.pk) == "dead"
        message.refresh_from_db()
        assert message.attempts == 3 and message.dead_at is not None
        assert "call 3" in message.last_error
        clock.shift(24 * 3600)
        assert message.pk not in _due_ids()
        assert outbox.process(message.pk) == "skipped"
        assert flaky.calls == 3

    # administrators and auditors see it; an administrator replays it from the page
    admin, auditor, clerk = Client(), Client(), Client()
    admin.force_login(world.admin)
    auditor.force_login(world.auditor)
    clerk.force_login(world.alice)
    for client in (admin, auditor):
        page = client.get("/outbox/")
        assert page.status_code == 200
        assert "the receiver is down (call 3)" in page.content.decode()
    assert clerk.get("/outbox/").status_code == 403
    listed = auditor.get("/api/v1/outbox/").json()["results"]
    assert [row["id"] for row in listed] == [message.pk] and listed[0]["attempts"] == 3
    assert auditor.post(f"/outbox/{message.pk}/replay/").status_code == 403
    flaky.fail = False
    assert admin.post(f"/outbox/{message.pk}/replay/").status_code == 302
    message.refresh_from_db()
    assert (message.dead_at, message.attempts, message.replayed_by_id) == \
        (None, 0, world.admin.pk)
    assert message.pk in _due_ids()
    assert outbox.process(message.pk) == "processed"
    # replayed exactly once: processing it again, relaying, or replaying again runs nothing
    assert outbox.process(message.pk) == "skipped"
    assert message.pk not in _due_ids()
    assert admin.post(f"/outbox/{message.pk}/replay/").status_code == 302  # refused: done
    assert outbox.process(message.pk) == "skipped"
    assert (flaky.calls, flaky.succeeded) == (4, 1)
    assert m.Country.objects.count() == countries + 1  # only the successful run's write
    message.refresh_from_db()
    assert message.processed_at is not None and message.dead_at is None


def test_a_relayed_message_whose_task_vanished_comes_due_again_after_its_lease(
        db, flaky, settings, monkeypatch):
    from matching.tasks import process_outbox_message

    sent = []
    monkeypatch.setattr(process_outbox_message, "apply_async",
                        lambda args, **kwargs: sent.append(args[0]))
    settings.OUTBOX_LEASE_SECONDS = 600
    message = m.OutboxMessage.objects.create(topic=TOPIC, payload={})
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert outbox.relay() == 1 and sent == [message.pk]
        assert outbox.relay() == 0  # leased: not sent twice while its task may still run
        clock.shift(601)  # the task was lost (broker restarted, worker killed): sent again
        assert outbox.relay() == 1 and sent == [message.pk, message.pk]
    assert flaky.calls == 0


def test_any_error_of_a_real_handler_is_recorded_not_lost(world, monkeypatch, settings):
    """The webhook fan-out failing on a database error (not only a network error)."""
    from matching.api import webhooks

    def broken(message):
        raise ValueError("payload without a project")

    monkeypatch.setitem(outbox._handlers, "receipt.recorded", [broken])
    project = world.approved()
    world.receipt(project, "1000.00")
    message = m.OutboxMessage.objects.get(topic="receipt.recorded")
    assert outbox.process(message.pk) == "failed"
    message.refresh_from_db()
    assert message.attempts == 1 and "ValueError: payload without a project" in message.last_error
    assert webhooks  # the real handlers stay registered for the other topics
