"""Each kind of reminder goes out on its day, to its people, and not on the day before."""

import datetime

import pytest
from django.utils import timezone

from matching import models as m
from matching import services

from ..factories import UserFactory
from .conftest import local, recipients, run_at, tranche_of

K = m.ReminderKind
D = timezone.localdate() + datetime.timedelta(days=10)
DAY = datetime.timedelta(days=1)


@pytest.mark.parametrize("_case, kind, due_on", [
    ("7 days ahead", K.TRANCHE_DUE_7, D + 7 * DAY),
    ("tomorrow", K.TRANCHE_DUE_1, D + DAY),
    ("today", K.TRANCHE_DUE_TODAY, D),
    ("the day after", K.TRANCHE_OVERDUE, D - DAY),
])
def test_tranche_reminder_goes_to_district_officers_on_its_day_only(
        world, funded_project, _case, kind, due_on):
    tranche = tranche_of(funded_project, "district", due_on=due_on)

    run_at(local(D - DAY, 10))
    assert not recipients(kind, subject_id=tranche.pk)

    run_at(local(D, 10))
    # charlie and dave work in district B; alice is told only of the association's share
    assert recipients(kind, subject_id=tranche.pk, period=D) == {"bob", "erin"}


def test_association_share_tranche_also_reminds_the_mahalla_clerk(world, funded_project):
    tranche = tranche_of(funded_project, "association", due_on=D + 7 * DAY)
    run_at(local(D, 10))
    assert recipients(K.TRANCHE_DUE_7, subject_id=tranche.pk) == {"alice", "bob", "erin"}


def test_overdue_tranche_is_reminded_weekly(world, funded_project):
    tranche = tranche_of(funded_project, "district", due_on=D - DAY)
    for offset in range(8):
        run_at(local(D + offset * DAY, 10))
    periods = set(m.Reminder.objects.filter(kind=K.TRANCHE_OVERDUE, subject_id=tranche.pk)
                  .values_list("period", flat=True))
    assert periods == {D, D + 7 * DAY}


def test_overdue_tranche_escalates_to_the_administrator_after_14_days(world, funded_project):
    tranche = tranche_of(funded_project, "district", due_on=D - 15 * DAY)
    other_region_admin = UserFactory(username="kyrgyz-admin", role=m.Role.ADMINISTRATOR,
                                     region=m.Region.objects.create(country=world.country,
                                                                    name="Elsewhere"))

    run_at(local(D - DAY, 10))  # 14 days overdue: not yet
    assert not recipients(K.TRANCHE_ESCALATED, subject_id=tranche.pk)

    run_at(local(D, 10))  # 15 days
    assert recipients(K.TRANCHE_ESCALATED, subject_id=tranche.pk) == {"admin"}
    assert other_region_admin.reminders.count() == 0
    # the officers keep their weekly reminder too
    assert recipients(K.TRANCHE_OVERDUE, subject_id=tranche.pk, period=D) == {"bob", "erin"}


def test_paid_tranche_is_not_reminded(world, funded_project):
    tranche = tranche_of(funded_project, "district", due_on=D)
    m.Tranche.objects.filter(pk=tranche.pk).update(paid_on=D - DAY)
    run_at(local(D, 10))
    assert not m.Reminder.objects.filter(subject_type="tranche", subject_id=tranche.pk).exists()


def _pledge(world, project, *, expected_on):
    return services.pledge_create(project=project, actor=world.migrant, amount="1000.00",
                                  currency="UZS", expected_on=expected_on)


def test_late_pledge_reminds_the_association_the_day_after(world, funded_project):
    pledge = _pledge(world, funded_project, expected_on=D - DAY)

    run_at(local(D - DAY, 10))
    assert not recipients(K.PLEDGE_OVERDUE, subject_id=pledge.pk)

    run_at(local(D, 10))
    assert recipients(K.PLEDGE_OVERDUE, subject_id=pledge.pk) == {"migrant"}


def test_pledge_whose_money_arrived_is_not_reminded(world, funded_project):
    pledge = _pledge(world, funded_project, expected_on=D - DAY)
    world.receipt(funded_project, "1000.00", pledge=pledge)
    run_at(local(D, 10))
    assert not recipients(K.PLEDGE_OVERDUE, subject_id=pledge.pk)


def test_registration_expiring_within_30_days(world):
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        valid_until=D + 30 * DAY)

    run_at(local(D - DAY, 10))  # 31 days ahead
    assert not recipients(K.REGISTRATION_EXPIRING, subject_id=world.association.pk)

    run_at(local(D, 10))
    run_at(local(D + DAY, 10))  # still within 30 days: the same reminder, not a second one
    assert recipients(K.REGISTRATION_EXPIRING, subject_id=world.association.pk) == {"migrant"}
    assert m.Reminder.objects.filter(kind=K.REGISTRATION_EXPIRING).count() == 1


def test_quarterly_progress_report_for_projects_in_progress(world, funded_project):
    m.Project.objects.filter(pk=funded_project.pk).update(status=m.ProjectStatus.IN_PROGRESS)
    quarter = datetime.date(D.year + 1, 4, 1)

    run_at(local(quarter - DAY, 10))
    assert not recipients(K.PROGRESS_REPORT_DUE, subject_id=funded_project.pk)

    run_at(local(quarter, 10))
    assert recipients(K.PROGRESS_REPORT_DUE, subject_id=funded_project.pk) == {"alice"}


def test_review_waiting_more_than_30_days_goes_to_the_officers_superior(world):
    boss = UserFactory(username="hokim", role=m.Role.ADMINISTRATOR, region=world.region)
    m.User.objects.filter(pk__in=[world.bob.pk, world.erin.pk]).update(superior=boss)
    project = world.submitted()
    submitted = local(D - 31 * DAY, 12)
    m.Project.objects.filter(pk=project.pk).update(submitted_at=submitted)

    run_at(local(D - DAY, 10))  # 30 days: not more than 30
    assert not recipients(K.REVIEW_WAITING, subject_id=project.pk)

    run_at(local(D, 10))
    assert recipients(K.REVIEW_WAITING, subject_id=project.pk) == {"hokim"}


def test_review_waiting_without_a_superior_goes_to_the_regions_administrators(world):
    regional = UserFactory(username="viloyat", role=m.Role.ADMINISTRATOR, region=world.region)
    elsewhere = m.Region.objects.create(country=world.country, name="Samarqand viloyati")
    UserFactory(username="samarqand", role=m.Role.ADMINISTRATOR, region=elsewhere)
    gone = UserFactory(username="former", role=m.Role.ADMINISTRATOR, is_active=False)
    m.User.objects.filter(pk=world.bob.pk).update(superior=gone)  # an inactive superior
    project = world.submitted()
    m.Project.objects.filter(pk=project.pk).update(submitted_at=local(D - 31 * DAY, 12))

    run_at(local(D, 10))
    # the region's administrator and the programme-wide one (no region); not another region's
    assert recipients(K.REVIEW_WAITING, subject_id=project.pk) == {regional.username, "admin"}
