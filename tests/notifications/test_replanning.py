"""Reminders without a planning lag: what appears or changes after its day was planned is
planned at once, through the outbox event written with the change, and handed to the workers
if it is due already; not at the planner's next run."""

import datetime
from decimal import Decimal

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import models as m
from matching import outbox, services
from matching.models.notifications import ReminderPlan
from matching.notifications import dispatch, planning, replanning

from .conftest import local

K = m.ReminderKind
DAY = datetime.timedelta(days=1)


def _process(topic: str) -> None:
    """What the worker does with the change's outbox event(s)."""
    for message in m.OutboxMessage.objects.filter(topic=topic, processed_at__isnull=True):
        outbox.process(message.pk)


def test_a_pledge_announced_after_its_day_was_planned_is_reminded_that_day(
        world, monkeypatch, django_capture_on_commit_callbacks):
    handed = []
    monkeypatch.setattr(dispatch, "enqueue", lambda ids: handed.extend(ids) or len(ids))
    project = world.approved()
    today = timezone.localdate()
    with time_machine.travel(local(today, 10), tick=False):
        planning.plan_days(planning.days_now())  # the planner ran at 10:00
        assert ReminderPlan.objects.filter(day=today).exists()
        # at 10:05 the association announces a pledge it expected a week ago yesterday
        pledge = services.pledge_create(project=project, actor=world.migrant,
                                        amount=Decimal("500.00"), currency="RUB",
                                        expected_on=today - 8 * DAY)
        assert not m.Reminder.objects.filter(kind=K.PLEDGE_OVERDUE).exists()
        # the change's own event, processed by a worker a moment later
        event = m.OutboxMessage.objects.get(topic="pledge.created")
        assert event.payload["project_id"] == project.pk
        with django_capture_on_commit_callbacks(execute=True):
            _process("pledge.created")
    overdue = m.Reminder.objects.get(kind=K.PLEDGE_OVERDUE, subject_id=pledge.pk)
    assert (overdue.recipient, overdue.period, overdue.due_at) == (
        world.migrant, today, local(today, 9))
    # due since 09:00: handed to the workers at once, and stamped so the dispatcher does not
    assert overdue.pk in handed and overdue.enqueued_at is not None
    # processed again (the outbox may deliver twice): nothing twice
    m.OutboxMessage.objects.update(processed_at=None)
    _process("pledge.created")
    assert m.Reminder.objects.filter(kind=K.PLEDGE_OVERDUE).count() == 1


def test_a_day_not_yet_planned_is_left_to_the_planner(world):
    project = world.approved()
    today = timezone.localdate()
    services.pledge_create(project=project, actor=world.migrant, amount=Decimal("500.00"),
                           currency="RUB", expected_on=today - 8 * DAY)
    _process("pledge.created")
    # nothing planned, and no day marked as planned (the planner would then skip it)
    assert not m.Reminder.objects.filter(kind=K.PLEDGE_OVERDUE).exists()
    assert not ReminderPlan.objects.exists()
    assert planning.plan_days([today])[today] >= 1
    assert m.Reminder.objects.filter(kind=K.PLEDGE_OVERDUE).count() == 1


def test_tranches_laid_out_on_approval_are_reminded_on_the_day_planned_before(world):
    # given today planned, and a project approved with its first tranche due in 7 days
    today = timezone.localdate()
    planning.plan_days([today])
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    services.project_approve(project=project, actor=world.bob, reason="Good",
                             schedule=[(today + 7 * DAY, Decimal("1"))])
    # when the approval's events are processed
    _process("project.status_changed")
    # then the officers are told today that it falls due in 7 days, and the clerk of the
    # association's share
    due_7 = m.Reminder.objects.filter(kind=K.TRANCHE_DUE_7, period=today,
                                      project=project)
    assert {r.recipient.username for r in due_7} == {"bob", "erin", "alice"}


def test_replanning_one_project_reads_only_that_project(world):
    """The subject's condition reaches every rule: a few statements whatever the number of
    tranches and pledges of other projects."""
    today = timezone.localdate()
    planning.plan_days([today])
    for n in range(3):
        world.approved(title=f"Other {n}")
    project = world.approved()
    with CaptureQueriesContext(connection) as queries:
        replanning.replan(project_ids=[project.pk])
    # the users' time zones, the days' lock, then one statement per planned day
    assert len([q for q in queries.captured_queries
                if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 3
    with connection.cursor() as cursor:
        rules = planning._rules_for(today)
        union = "\nUNION ALL\n".join(f"({rule.sql})" for rule in rules)
        cursor.execute(f"""EXPLAIN (COSTS OFF) SELECT * FROM ({union}) AS q ({planning._COLUMNS})
                           WHERE q.project_id = ANY(%(projects)s::bigint[])""",
                       {**planning._params(today), "projects": [project.pk]})
        plan = [row[0] for row in cursor.fetchall()]
    # PostgreSQL pushed the condition into each rule that reads projects (the registration
    # rule, whose rows have no project, is dropped altogether), rather than filtering the
    # union of every rule's rows at the end
    pushed = [line for line in plan if f"id = ANY ('{{{project.pk}}}'::bigint[])" in line]
    assert len(pushed) >= len(rules) - 1, "\n".join(plan)
    assert not [line for line in plan if "Subquery Scan" in line or "project_id = ANY" in line]
