"""Two dispatchers at once, against the real PostgreSQL: every reminder is created once,
handed out once and sent once."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from matching import models as m
from matching import outbox
from matching.notifications import dispatch

from .conftest import local

D = timezone.localdate() + datetime.timedelta(days=10)


def _in_threads(count, work):
    barrier, results, errors = threading.Barrier(count), [], []

    def run():
        try:
            barrier.wait(timeout=10)
            results.append(work())
        except Exception as error:  # surfaced below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_reminder_once(world, monkeypatch):
    monkeypatch.setattr(outbox, "relay_soon", lambda: None)  # no broker in this test
    project = world.approved()
    commitment = m.Commitment.objects.get(project=project, role="district")
    m.Tranche.objects.filter(commitment__project=project).update(due_on=datetime.date(2099, 1, 1))
    m.Tranche.objects.bulk_create([
        m.Tranche(commitment=commitment, number=100 + n, due_on=D, amount="1000.00")
        for n in range(25)])

    def dispatch_and_send():
        sent = []
        ids = dispatch.reminders_dispatch(send=lambda ids: None)
        for reminder_id in ids:
            sent.append(dispatch.reminder_send(reminder_id=reminder_id))
        return ids, sent

    with time_machine.travel(local(D, 10), tick=False):
        results = _in_threads(2, dispatch_and_send)
        # and both workers told to send every reminder at once: the row lock lets one through
        all_ids = list(m.Reminder.objects.values_list("id", flat=True))
        again = _in_threads(2, lambda: [dispatch.reminder_send(reminder_id=pk) for pk in all_ids])

    first, second = (set(ids) for ids, _sent in results)
    assert len(all_ids) == 50  # 25 tranches × bob and erin
    assert first.isdisjoint(second) and first | second == set(all_ids)
    assert all(status is None for statuses in again for status in statuses)
    assert len(mail.outbox) == 50
    assert m.MessageLog.objects.filter(result="sent").count() == 50
    assert set(m.Reminder.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.django_db(transaction=True)
def test_planning_does_not_wait_for_a_project_a_service_holds(world, monkeypatch):
    """A service holds its project's row lock (FOR UPDATE) for as long as it works; planning
    the day, which reminds of that project, neither waits for it nor touches the project's
    row. (A foreign key from the reminder to the project made planning take a FOR KEY SHARE
    lock on every project reminded of: it waited here, and cost 40 % of its insert.)"""
    from matching.notifications import planning
    from matching.services import projects

    monkeypatch.setattr(outbox, "relay_soon", lambda: None)  # no broker in this test
    project = world.approved()
    m.Tranche.objects.filter(commitment__project=project).update(due_on=D)
    held, release = threading.Event(), threading.Event()

    def service_at_work():
        try:
            with transaction.atomic():
                projects.lock(project)
                held.set()
                release.wait(timeout=20)
        finally:
            connection.close()

    worker = threading.Thread(target=service_at_work)
    worker.start()
    try:
        assert held.wait(timeout=10)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '3s'")  # waiting fails the test, fast
            created = planning.plan_days([D])
    finally:
        release.set()
        worker.join(timeout=30)
    assert created[D] == m.Reminder.objects.count() > 0  # the project's tranches due that day
    assert set(m.Reminder.objects.values_list("project_id", flat=True)) == {project.pk}
