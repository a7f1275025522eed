"""Sending: the recipient's channels, language and time zone; failures logged and retried;
a permanent failure marked failed for the administrators; the time zones at midnight."""

import datetime
import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from matching import models as m
from matching.notifications import dispatch, planning
from matching.notifications.channels import TransientDeliveryError

from .conftest import local, run_at, tranche_of

K = m.ReminderKind
D = timezone.localdate() + datetime.timedelta(days=10)
DAY = datetime.timedelta(days=1)


def _send_all(moment):
    with time_machine.travel(moment, tick=False):
        return [dispatch.reminder_send(reminder_id=pk)
                for pk in dispatch.reminders_dispatch(send=lambda ids: None)]


def test_reminder_is_sent_in_the_recipients_language_on_their_channels(
        world, funded_project, gateway):
    m.User.objects.filter(pk=world.bob.pk).update(language="ru", phone="+998901112233",
                                                  notify_by_sms=True)
    m.User.objects.filter(pk=world.erin.pk).update(notify_by_email=False)
    tranche = tranche_of(funded_project, "district", due_on=D)

    statuses = _send_all(local(D, 10))

    assert statuses == ["sent", "sent"]
    assert [message.to for message in mail.outbox] == [[world.bob.email]]  # erin: in-app only
    # Django's own Russian catalogue names the month: the message was built in bob's language
    assert f"{D.day} " in mail.outbox[0].body and " г." in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["Message-ID"].startswith("<hashar-reminder-")
    assert [body["to"] for _key, body in gateway.received] == ["+998901112233"]
    logs = set(m.MessageLog.objects.values_list("reminder__recipient__username", "channel",
                                                "result"))
    assert logs == {("bob", "email", "sent"), ("bob", "sms", "sent"),
                    ("erin", "in_app", "sent")}
    assert set(m.Reminder.objects.filter(subject_id=tranche.pk).values_list("status", flat=True)) \
        == {"sent"}


def test_gateway_gets_the_token_and_an_idempotency_key(world, funded_project, gateway):
    m.User.objects.filter(pk=world.bob.pk).update(phone="+998901112233", notify_by_sms=True,
                                                  notify_by_email=False)
    tranche_of(funded_project, "district", due_on=D)
    _send_all(local(D, 10))
    reminder = m.Reminder.objects.get(recipient=world.bob)
    assert gateway.received[0][0] == f"hashar-reminder-{reminder.pk}-sms"


def test_transient_failure_is_logged_kept_pending_and_retried_only_on_the_failed_channel(
        world, funded_project, gateway):
    m.User.objects.filter(pk=world.bob.pk).update(phone="+998901112233", notify_by_sms=True)
    m.User.objects.filter(pk=world.erin.pk).update(is_active=False)
    tranche_of(funded_project, "district", due_on=D)
    run_at(local(D, 10))
    reminder = m.Reminder.objects.get(recipient=world.bob)
    gateway.status = 503

    with time_machine.travel(local(D, 10), tick=False), pytest.raises(TransientDeliveryError):
        dispatch.reminder_send(reminder_id=reminder.pk)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert "503" in reminder.last_error
    gateway.status = 200
    with time_machine.travel(local(D, 10, ) + datetime.timedelta(minutes=1), tick=False):
        assert dispatch.reminder_send(reminder_id=reminder.pk) == "sent"
    assert len(mail.outbox) == 1  # the e-mail went the first time and is not repeated
    assert list(m.MessageLog.objects.order_by("id").values_list("channel", "result")) == [
        ("email", "sent"), ("sms", "transient_error"), ("sms", "sent")]


def test_permanent_failure_marks_the_reminder_failed_with_its_error(
        world, funded_project, gateway):
    m.User.objects.filter(pk=world.bob.pk).update(phone="+998000", notify_by_sms=True,
                                                  notify_by_email=False)
    tranche_of(funded_project, "district", due_on=D)
    gateway.status = 400
    _send_all(local(D, 10))
    reminder = m.Reminder.objects.get(recipient=world.bob)
    assert reminder.status == "failed"
    assert "400" in reminder.last_error


def test_reminder_fails_after_the_last_attempt(world, funded_project, gateway, settings):
    settings.REMINDER_MAX_ATTEMPTS = 2
    m.User.objects.filter(pk=world.bob.pk).update(phone="+998901112233", notify_by_sms=True,
                                                  notify_by_email=False)
    tranche_of(funded_project, "district", due_on=D)
    run_at(local(D, 10))
    reminder = m.Reminder.objects.get(recipient=world.bob)
    gateway.status = 502
    with time_machine.travel(local(D, 10), tick=False):
        with pytest.raises(TransientDeliveryError):
            dispatch.reminder_send(reminder_id=reminder.pk)
        assert dispatch.reminder_send(reminder_id=reminder.pk) == "failed"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("failed", 2)


def test_a_tranche_paid_before_the_worker_gets_to_it_is_not_reminded(world, funded_project):
    tranche = tranche_of(funded_project, "district", due_on=D)
    run_at(local(D, 10))
    m.Tranche.objects.filter(pk=tranche.pk).update(paid_on=D)
    with time_machine.travel(local(D, 11), tick=False):
        statuses = {dispatch.reminder_send(reminder_id=r.pk) for r in m.Reminder.objects.all()}
    assert statuses == {"cancelled"}
    assert mail.outbox == []


def test_sent_reminder_is_not_sent_again(world, funded_project):
    tranche_of(funded_project, "district", due_on=D)
    _send_all(local(D, 10))
    with time_machine.travel(local(D, 12), tick=False):
        again = {dispatch.reminder_send(reminder_id=r.pk) for r in m.Reminder.objects.all()}
    assert again == {None}
    assert len(mail.outbox) == 2


def test_reminder_waits_for_the_local_send_hour(world, funded_project):
    tranche_of(funded_project, "district", due_on=D)
    assert _send_all(local(D, 8)) == []  # planned, not due before 09:00 in Tashkent
    assert m.Reminder.objects.filter(status="pending").count() == 2
    assert _send_all(local(D, 9)) == ["sent", "sent"]


def test_today_starts_at_local_midnight_in_bishkek_before_tashkent(
        world, funded_project, settings):
    """At 18:30 UTC it is 00:30 in Bishkek (UTC+6) but 23:30 in Tashkent (UTC+5)."""
    settings.REMINDER_LOCAL_HOUR = 0
    m.User.objects.filter(pk=world.erin.pk).update(timezone="Asia/Bishkek")
    tranche = tranche_of(funded_project, "district", due_on=D)
    half_past_midnight_bishkek = local(D, 0, "Asia/Bishkek") + datetime.timedelta(minutes=30)

    with time_machine.travel(half_past_midnight_bishkek, tick=False):
        assert planning.days_now() == [D - DAY, D]
        handed = dispatch.reminders_dispatch(send=lambda ids: None)

    due_today = m.Reminder.objects.filter(kind=K.TRANCHE_DUE_TODAY, subject_id=tranche.pk)
    assert [r.recipient.username for r in due_today.filter(pk__in=handed)] == ["erin"]
    bob = due_today.get(recipient=world.bob)  # planned, due at his own midnight
    assert bob.due_at == local(D, 0, "Asia/Tashkent")
    assert timezone.localtime(bob.due_at).date() == D
    with time_machine.travel(local(D, 0, "Asia/Tashkent"), tick=False):
        assert bob.pk in dispatch.reminders_dispatch(send=lambda ids: None)


def test_planning_is_a_constant_number_of_queries(world, funded_project,
                                                  django_assert_max_num_queries):
    for number in range(2, 40):  # many tranches due on the same day
        m.Tranche.objects.create(commitment=m.Commitment.objects.get(
            project=funded_project, role="district"), number=number + 10, due_on=D,
            amount="1000.00")
    with django_assert_max_num_queries(12):
        created = planning.plan(D)
    assert created == 2 * 38
