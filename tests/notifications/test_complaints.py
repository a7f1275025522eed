"""A complaint reaches the district's officers at once, is reminded a week later and weekly,
and is escalated to the programme administrator the day after its 15 days ran out; an
answered one is reminded to no one."""

import datetime

from django.core import mail
from django.utils import timezone

from matching import models as m
from matching import outbox, services
from matching.notifications import dispatch

from ..factories import UserFactory
from .conftest import local, recipients, run_at

K = m.ReminderKind
DAY = datetime.timedelta(days=1)
FILED = timezone.localdate() + datetime.timedelta(days=3)


def _complaint(world, *, filed_on=FILED):
    project = world.approved()
    complaint = services.complaint_file(actor=None, project=project, category="quality",
                                        text="The pipe leaks at the school gate.",
                                        contact="+998 90 000 11 22")
    m.Complaint.objects.filter(pk=complaint.pk).update(filed_at=local(filed_on, 11))
    complaint.refresh_from_db()
    return complaint


def test_a_new_complaint_goes_to_the_officers_of_the_district_once(world):
    complaint = _complaint(world)
    message = m.OutboxMessage.objects.get(topic="complaint.filed")
    for _twice in range(2):  # relayed twice: nothing twice
        m.OutboxMessage.objects.filter(pk=message.pk).update(processed_at=None)
        outbox.process(message.pk)
    assert recipients(K.COMPLAINT_FILED, subject_id=complaint.pk) == {"bob", "erin"}
    reminder = m.Reminder.objects.filter(kind=K.COMPLAINT_FILED, recipient=world.bob).get()
    assert dispatch.reminder_send(reminder_id=reminder.pk) == "sent"
    sent = mail.outbox[0]
    assert complaint.code in sent.body and complaint.project.code in sent.subject
    # the message never carries the sender's contact or words
    assert "+998 90" not in sent.body and "leaks" not in sent.body


def test_an_unanswered_complaint_is_reminded_after_a_week_then_weekly(world):
    complaint = _complaint(world)
    for offset in range(6, 22):
        run_at(local(FILED + offset * DAY, 10))
    periods = set(m.Reminder.objects.filter(kind=K.COMPLAINT_UNANSWERED,
                                            subject_id=complaint.pk)
                  .values_list("period", flat=True))
    assert periods == {FILED + 7 * DAY, FILED + 14 * DAY, FILED + 21 * DAY}
    assert recipients(K.COMPLAINT_UNANSWERED, subject_id=complaint.pk) == {"bob", "erin"}


def test_an_unanswered_complaint_escalates_to_the_administrator_after_15_days(world):
    complaint = _complaint(world)
    other_region_admin = UserFactory(username="samarqand-admin", role=m.Role.ADMINISTRATOR,
                                     region=m.Region.objects.create(country=world.country,
                                                                    name="Samarqand"))
    run_at(local(FILED + 15 * DAY, 10))  # the last day to answer: not yet
    assert not recipients(K.COMPLAINT_ESCALATED, subject_id=complaint.pk)

    handed = run_at(local(FILED + 16 * DAY, 10))
    assert recipients(K.COMPLAINT_ESCALATED, subject_id=complaint.pk) == {"admin"}
    assert not other_region_admin.reminders.exists()
    escalation = m.Reminder.objects.get(kind=K.COMPLAINT_ESCALATED)
    assert escalation.pk in handed
    assert dispatch.reminder_send(reminder_id=escalation.pk,
                                  now=local(FILED + 16 * DAY, 10)) == "sent"
    assert "Escalation" in mail.outbox[-1].subject and "16 days" in mail.outbox[-1].subject

    run_at(local(FILED + 23 * DAY, 10))  # and weekly after that
    assert set(m.Reminder.objects.filter(kind=K.COMPLAINT_ESCALATED)
               .values_list("period", flat=True)) == {FILED + 16 * DAY, FILED + 23 * DAY}


def test_an_answered_complaint_is_reminded_to_no_one(world):
    complaint = _complaint(world)
    run_at(local(FILED + 7 * DAY, 8))  # planned, not sent yet (the send hour is 9)
    planned = m.Reminder.objects.get(kind=K.COMPLAINT_UNANSWERED, recipient=world.bob)
    services.complaint_answer(actor=world.bob, complaint=complaint, answer="Repaired.")
    # what was planned before the answer is dropped when its time comes
    assert dispatch.reminder_send(reminder_id=planned.pk,
                                  now=local(FILED + 7 * DAY, 10)) == "cancelled"
    for offset in (14, 16, 23):
        run_at(local(FILED + offset * DAY, 10))
    assert not m.Reminder.objects.filter(
        kind__in=[K.COMPLAINT_UNANSWERED, K.COMPLAINT_ESCALATED],
        period__gt=FILED + 7 * DAY).exists()
