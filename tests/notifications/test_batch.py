"""The dispatcher hands the workers batches (one task per claimed batch), and a batch sends
each of its reminders on its own: delivered twice, or to two workers at once, it sends each
reminder once; one reminder that fails or crashes never stops the others; a dispatch call
costs the same queries and one broker message per batch, whatever the batch's size."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import models as m
from matching import outbox
from matching.notifications import dispatch, planning, tasks

from .conftest import local
from .test_concurrency import _in_threads

D = timezone.localdate() + datetime.timedelta(days=10)
TRANCHES = 25  # bob and erin, the district's officers, are told of each: 50 reminders


def _due_tranches(world, count=TRANCHES):
    project = world.approved()
    commitment = m.Commitment.objects.get(project=project, role="district")
    m.Tranche.objects.filter(commitment__project=project).update(due_on=datetime.date(2099, 1, 1))
    m.Tranche.objects.bulk_create([
        m.Tranche(commitment=commitment, number=100 + n, due_on=D, amount="1000.00")
        for n in range(count)])


def _claimed_batches(moment) -> list[list[int]]:
    """Plan and dispatch at `moment`; the batches the dispatcher handed out."""
    batches = []
    with time_machine.travel(moment, tick=False):
        dispatch.reminders_dispatch(send=batches.append)
    return batches


def _sms_for_bob(world):
    m.User.objects.filter(pk=world.bob.pk).update(phone="+998901112233", notify_by_sms=True)


def test_a_batch_delivered_twice_sends_each_reminder_once(world, gateway):
    _sms_for_bob(world)
    _due_tranches(world)
    batches = _claimed_batches(local(D, 10))
    assert [len(batch) for batch in batches] == [2 * TRANCHES]  # one batch, one task

    with time_machine.travel(local(D, 10), tick=False):
        first = tasks.send_reminders.apply(args=[batches[0]]).get()
        # the same message again: its worker died after sending, before the ack
        again = tasks.send_reminders.apply(args=[batches[0]]).get()

    assert first == {"sent": 2 * TRANCHES} and again == {"none": 2 * TRANCHES}
    assert len(mail.outbox) == 2 * TRANCHES  # bob and erin, once each per tranche
    assert len(gateway.received) == TRANCHES  # bob's SMS, once per tranche
    assert len({key for key, _body in gateway.received}) == TRANCHES
    sent = m.MessageLog.objects.filter(result="sent")
    assert sent.count() == 3 * TRANCHES  # bob: e-mail and SMS; erin: e-mail
    assert set(m.Reminder.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db(transaction=True)
def test_the_same_batch_on_two_workers_at_once_sends_each_reminder_once(world, monkeypatch):
    monkeypatch.setattr(outbox, "relay_soon", lambda: None)  # no broker in this test
    _due_tranches(world)
    batch = _claimed_batches(local(D, 10))[0]

    with time_machine.travel(local(D, 10), tick=False):
        results = _in_threads(2, lambda: dispatch.reminders_send(reminder_ids=batch))

    sent = [pk for outcome, _again in results for pk, status in outcome.items()
            if status == "sent"]
    assert sorted(sent) == sorted(batch)  # each by one worker; the other skipped it (None)
    assert all(again == [] for _outcome, again in results)
    assert len(mail.outbox) == len(batch) == 2 * TRANCHES
    assert m.MessageLog.objects.filter(result="sent").count() == len(batch)


def test_a_transient_failure_retries_only_the_reminders_that_failed(
        world, gateway, monkeypatch, settings):
    settings.REMINDER_MAX_ATTEMPTS = 3
    _sms_for_bob(world)
    _due_tranches(world)
    batch = _claimed_batches(local(D, 10))[0]
    bobs = set(m.Reminder.objects.filter(recipient=world.bob).values_list("id", flat=True))
    gateway.status = 503  # bob's SMS fails, every time
    calls = []
    real = dispatch.reminders_send
    monkeypatch.setattr(dispatch, "reminders_send",
                        lambda *, reminder_ids: calls.append(reminder_ids) or real(
                            reminder_ids=reminder_ids))

    with time_machine.travel(local(D, 10), tick=False):
        # eager: the task's retries run at once, each with the ids that failed
        result = tasks.send_reminders.apply(args=[batch]).get()

    assert calls[0] == batch and [set(ids) for ids in calls[1:]] == [bobs, bobs]
    assert result == {"failed": TRANCHES}  # the last try: bob's reminders failed for good
    assert set(m.Reminder.objects.filter(recipient=world.erin)
               .values_list("status", "attempts")) == {("sent", 1)}
    assert set(m.Reminder.objects.filter(recipient=world.bob)
               .values_list("status", "attempts")) == {("failed", 3)}
    # bob's e-mail went on the first try and was not repeated; only his SMS was retried
    assert len(mail.outbox) == 2 * TRANCHES
    assert len(gateway.received) == 3 * TRANCHES


def test_a_reminder_that_crashes_does_not_stop_the_rest_of_its_batch(
        world, monkeypatch, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    _due_tranches(world)
    batch = _claimed_batches(local(D, 10))[0]
    broken = batch[7]
    render = dispatch.messages.render

    def render_or_crash(reminder, subject, channel):
        if reminder.pk == broken:
            raise ValueError("a template that cannot render")
        return render(reminder, subject, channel)

    monkeypatch.setattr(dispatch.messages, "render", render_or_crash)
    with time_machine.travel(local(D, 10), tick=False):
        outcome, again = dispatch.reminders_send(reminder_ids=batch)

    assert again == []
    assert outcome[broken] == "pending"
    assert {status for pk, status in outcome.items() if pk != broken} == {"sent"}
    assert len(mail.outbox) == len(batch) - 1
    reminder = m.Reminder.objects.get(pk=broken)
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert reminder.last_error == "ValueError: a template that cannot render"
    assert not reminder.messages.exists()  # its transaction rolled back: nothing half-logged

    # handed out again, it crashes again: failed for good at the last attempt, not forever
    with time_machine.travel(local(D, 10), tick=False):
        assert dispatch.reminders_send(reminder_ids=[broken]) == ({broken: "failed"}, [])
    assert m.Reminder.objects.get(pk=broken).attempts == 2


@pytest.mark.parametrize(("tranches", "batch_size", "batches"),
                         [(3, 500, 1), (120, 500, 1), (120, 50, 5)])
def test_a_dispatch_call_costs_the_same_queries_and_one_message_a_batch_whatever_its_size(
        world, monkeypatch, tranches, batch_size, batches):
    monkeypatch.setattr(dispatch, "CLAIM_BATCH", batch_size)
    _due_tranches(world, count=tranches)
    messages = []
    monkeypatch.setattr(tasks.send_reminders, "apply_async",
                        lambda args, **options: messages.append(args[0]))
    moment = local(D, 10)
    with time_machine.travel(moment, tick=False):
        planning.plan_days(planning.days_now())  # beat's planner ran before the send hour

    with time_machine.travel(moment, tick=False), CaptureQueriesContext(connection) as queries:
        handed = dispatch.reminders_dispatch()

    # the time zones, the days planned, one claim a batch: a batch of 6 reminders or of 240
    # costs the same three queries, and one broker message
    assert len(queries.captured_queries) == 2 + batches, [
        q["sql"][:60] for q in queries.captured_queries]
    assert len(messages) == batches and len(handed) == 2 * tranches
    assert sorted(pk for message in messages for pk in message) == sorted(handed)
    assert max(len(message) for message in messages) == min(batch_size, 2 * tranches)
