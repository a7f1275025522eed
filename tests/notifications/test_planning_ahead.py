"""Planning ahead: beat's planner plans every day that is today somewhere or about to begin,
and plans them again to pick up what was created since; the dispatcher plans only a day that
was never planned, so on a planned day it only claims."""

import datetime

import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching import models as m
from matching.models.notifications import ReminderPlan
from matching.notifications import dispatch, planning, tasks

from .conftest import local, run_at, tranche_of

K = m.ReminderKind
D = timezone.localdate() + datetime.timedelta(days=10)
DAY = datetime.timedelta(days=1)


def _plan_at(moment) -> int:
    """Run beat's planner task at `moment`; return how many reminders it created."""
    with time_machine.travel(moment, tick=False):
        return tasks.plan_reminders.apply().get()


def _tranches_due(project, day, count) -> list[m.Tranche]:
    commitment = m.Commitment.objects.get(project=project, role="district")
    return m.Tranche.objects.bulk_create([
        m.Tranche(commitment=commitment, number=100 + n, due_on=day, amount="1000.00")
        for n in range(count)])


def test_beat_runs_the_planner_every_15_minutes():
    assert settings.CELERY_BEAT_SCHEDULE["plan-reminders"] == {
        "task": "matching.notifications.plan_reminders", "schedule": 900.0}


def test_the_planner_plans_today_and_the_day_about_to_begin_in_every_time_zone(
        world, funded_project):
    """At 22:30 in Bishkek (21:30 in Tashkent) it is D - 1 everywhere, and D begins in
    Bishkek within PLAN_AHEAD: D is planned before its first send hour, even at midnight."""
    m.User.objects.filter(pk=world.erin.pk).update(timezone="Asia/Bishkek")
    tranche = tranche_of(funded_project, "district", due_on=D + 7 * DAY)
    moment = local(D, 0, "Asia/Bishkek") - datetime.timedelta(hours=1, minutes=30)

    created = _plan_at(moment)

    assert set(ReminderPlan.objects.values_list("day", flat=True)) == {D - DAY, D}
    due_7 = m.Reminder.objects.filter(kind=K.TRANCHE_DUE_7, subject_id=tranche.pk)
    assert created == 2
    assert {(r.recipient.username, r.period, r.due_at) for r in due_7} == {
        ("bob", D, local(D, 9)), ("erin", D, local(D, 9, "Asia/Bishkek"))}
    assert run_at(moment) == []  # planned ahead, sent on its day
    # not a day earlier: the rules' conditions are read when planning
    _plan_at(local(D, 12))
    assert set(ReminderPlan.objects.values_list("day", flat=True)) == {D - DAY, D}
    assert set(run_at(local(D, 9))) == {r.pk for r in due_7}


def test_dispatch_on_a_planned_day_only_claims(world, funded_project, monkeypatch):
    monkeypatch.setattr(dispatch, "CLAIM_BATCH", 50)
    _tranches_due(funded_project, D, 60)
    assert _plan_at(local(D, 8)) == 120  # bob and erin

    with time_machine.travel(local(D, 10), tick=False), \
            CaptureQueriesContext(connection) as captured:
        handed = dispatch.reminders_dispatch(send=lambda ids: None)

    queries = [q["sql"].split("(")[0].split()[:3] for q in captured.captured_queries]
    # the time zones, the days planned, one claim per batch (50 + 50 + 20): no planning
    assert len(queries) == 2 + 3, queries
    assert not any("INSERT" in words for words in queries)
    assert len(handed) == 120 == len(set(handed))


def test_dispatch_plans_a_day_the_planner_has_not(world, funded_project):
    """The safety net: beat's planner has not run (just deployed, or stopped)."""
    tranche = tranche_of(funded_project, "district", due_on=D)
    assert not ReminderPlan.objects.exists()
    handed = run_at(local(D, 10))
    assert set(handed) == set(m.Reminder.objects.filter(kind=K.TRANCHE_DUE_TODAY,
                                                        subject_id=tranche.pk)
                              .values_list("pk", flat=True))
    assert len(handed) == 2 and ReminderPlan.objects.filter(day=D).exists()


def test_the_planner_picks_up_a_tranche_created_after_the_day_was_planned(
        world, funded_project):
    _plan_at(local(D, 8))
    tranche = tranche_of(funded_project, "district", due_on=D)  # moved onto a planned day
    first_planned = ReminderPlan.objects.get(day=D).planned_at

    assert run_at(local(D, 10)) == []  # the dispatcher does not plan a planned day again
    assert _plan_at(local(D, 10) + datetime.timedelta(minutes=15)) == 2  # bob, erin
    assert ReminderPlan.objects.get(day=D).planned_at > first_planned
    handed = run_at(local(D, 10) + datetime.timedelta(minutes=16))
    assert set(m.Reminder.objects.filter(pk__in=handed).values_list(
        "subject_id", "recipient__username")) == {(tranche.pk, "bob"), (tranche.pk, "erin")}


def test_planning_again_creates_nothing_twice(world, funded_project):
    _tranches_due(funded_project, D, 3)
    tranche_of(funded_project, "association", due_on=D + DAY)
    first = _plan_at(local(D, 8))
    rows = sorted(m.Reminder.objects.values_list("kind", "subject_id", "period", "recipient"))
    assert first == len(rows) == 3 * 2 + 3  # due today: bob, erin; tomorrow: alice too
    assert _plan_at(local(D, 8) + datetime.timedelta(minutes=15)) == 0
    run_at(local(D, 10))  # and a dispatch on the planned day plans nothing either
    assert sorted(m.Reminder.objects.values_list("kind", "subject_id", "period",
                                                 "recipient")) == rows


def test_a_large_planning_refreshes_the_tables_statistics(world, funded_project, monkeypatch):
    _tranches_due(funded_project, D, 2)
    monkeypatch.setattr(planning, "ANALYZE_AFTER", 4)
    with CaptureQueriesContext(connection) as captured:
        planning.plan_days([D])
    assert captured.captured_queries[-1]["sql"] == "ANALYZE matching_reminder"
    with CaptureQueriesContext(connection) as captured:
        planning.plan_days([D])  # nothing new: the statistics are still right
    assert "ANALYZE" not in captured.captured_queries[-1]["sql"]
