"""In-app: each user sees only their own reminders and marks them done; an officer sees the
overdue tranches of their district only."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from matching import models as m

from .conftest import tranche_of

D = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _reminder(user, kind=m.ReminderKind.TRANCHE_DUE_TODAY, subject_id=1, project=None):
    return m.Reminder.objects.create(subject_type="tranche", subject_id=subject_id, kind=kind,
                                     period=D, recipient=user, project=project,
                                     due_at=timezone.now(), status="sent")


def test_user_sees_own_pending_reminders_and_not_anothers(client, world, funded_project,
                                                          django_assert_max_num_queries):
    for n in range(5):
        _reminder(world.bob, subject_id=n, project=funded_project)
    _reminder(world.dave, subject_id=99)
    client.force_login(world.bob)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reminders:list"))
    assert response.status_code == 200
    assert len(response.context["reminders"]) == 5
    assert {r.recipient_id for r in response.context["reminders"]} == {world.bob.pk}


def test_mark_done_hides_the_reminder(client, world):
    reminder = _reminder(world.bob)
    client.force_login(world.bob)
    response = client.post(reverse("reminders:done", args=[reminder.pk]))
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.done_at is not None
    assert list(client.get(reverse("reminders:list")).context["reminders"]) == []


def test_nobody_marks_anothers_reminder_done(client, world):
    reminder = _reminder(world.bob)
    client.force_login(world.dave)
    assert client.post(reverse("reminders:done", args=[reminder.pk])).status_code == 404
    reminder.refresh_from_db()
    assert reminder.done_at is None


def test_mark_done_needs_post_and_csrf(world):
    from django.test import Client

    reminder = _reminder(world.bob)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.bob)
    assert client.get(reverse("reminders:done", args=[reminder.pk])).status_code == 405
    assert client.post(reverse("reminders:done", args=[reminder.pk])).status_code == 403
    reminder.refresh_from_db()
    assert reminder.done_at is None


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("reminders:list"))
    assert response.status_code == 302


@pytest.mark.parametrize("_case, who, sees", [
    ("officer of the district", "bob", True),
    ("officer of another district", "dave", False),
    ("administrator", "admin", True),
])
def test_overdue_tranches_of_the_officers_district(client, world, funded_project, _case, who,
                                                   sees, django_assert_max_num_queries):
    tranche = tranche_of(funded_project, "district", due_on=D - 3 * DAY)
    tranche_of(funded_project, "association", due_on=D + DAY)  # not overdue
    client.force_login(getattr(world, who))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("reminders:overdue-tranches"))
    assert response.status_code == 200
    assert [row["tranche"].pk for row in response.context["rows"]] == ([tranche.pk] if sees else [])
    if sees:
        assert response.context["rows"][0]["days"] == 3


@pytest.mark.parametrize("who", ["alice", "migrant"])
def test_clerks_and_associations_do_not_see_overdue_tranches(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("reminders:overdue-tranches")).status_code == 403


@pytest.mark.parametrize("zone", ["Nowhere/Else", "", "../etc"])
def test_a_time_zone_that_is_not_one_falls_back_to_the_projects(client, world, funded_project,
                                                                zone):
    from matching.notifications import messages

    world.bob.timezone = zone
    world.bob.save(update_fields=["timezone"])
    tranche = tranche_of(funded_project, "district", due_on=D - 3 * DAY)
    client.force_login(world.bob)
    response = client.get(reverse("reminders:overdue-tranches"))
    assert response.status_code == 200
    assert [row["tranche"].pk for row in response.context["rows"]] == [tranche.pk]
    reminder = _reminder(world.bob, kind=m.ReminderKind.TRANCHE_OVERDUE, subject_id=tranche.pk,
                         project=funded_project)
    assert "3 days overdue" in messages.render(reminder, tranche, "email").subject
