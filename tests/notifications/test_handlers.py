"""Outbox events become notifications, once, however often the message is processed."""

import datetime

from django.core import mail
from django.utils import timezone

from matching import models as m
from matching import outbox, services
from matching.notifications import dispatch


def test_pledge_notifies_the_mahalla_clerk_once_even_if_processed_twice(world):
    project = world.approved()
    pledge = services.pledge_create(
        project=project, actor=world.migrant, amount="500.00", currency="UZS",
        expected_on=timezone.localdate() + datetime.timedelta(days=30))
    message = m.OutboxMessage.objects.get(topic="pledge.created")
    assert message.payload["pledge_id"] == pledge.pk

    for _twice in range(2):  # relayed twice: a crash between send and mark
        m.OutboxMessage.objects.filter(pk=message.pk).update(processed_at=None)
        outbox.process(message.pk)

    reminder = m.Reminder.objects.get(kind=m.ReminderKind.PLEDGE_ANNOUNCED)
    assert (reminder.recipient, reminder.subject_id) == (world.alice, pledge.pk)
    assert dispatch.reminder_send(reminder_id=reminder.pk) == "sent"
    assert "500" in mail.outbox[0].body and project.code in mail.outbox[0].subject


def test_decision_notifies_the_association_and_the_clerk(world):
    world.approved()
    outbox.process(m.OutboxMessage.objects.filter(
        topic="project.status_changed", payload__to_status="approved").get().pk)
    assert set(m.Reminder.objects.filter(kind=m.ReminderKind.PROJECT_DECIDED)
               .values_list("recipient__username", flat=True)) == {"alice", "migrant"}


def test_relay_marks_a_batch_in_one_update(world, monkeypatch, django_assert_num_queries):
    from matching import tasks

    world.approved()
    waiting = list(m.OutboxMessage.objects.filter(relayed_at__isnull=True)
                   .values_list("id", flat=True))
    assert len(waiting) >= 2
    handed = []
    monkeypatch.setattr(tasks.process_outbox_message, "apply_async",
                        lambda args, retry: handed.append(args[0]))
    # savepoint, SELECT ... FOR UPDATE, UPDATE, release: not one UPDATE per message
    with django_assert_num_queries(4):
        assert outbox.relay() == len(waiting)
    assert handed == sorted(waiting)
    assert not m.OutboxMessage.objects.filter(relayed_at__isnull=True).exists()
