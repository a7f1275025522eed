"""The quarterly progress-report reminder: skipped when a report was recorded during the
quarter, and it links to the form where the clerk records one."""

import datetime

from django.urls import reverse
from django.utils import timezone

from matching import models as m
from matching.notifications import messages

from .conftest import local, recipients, run_at

K = m.ReminderKind
QUARTER = datetime.date(timezone.localdate().year + 1, 4, 1)


def _in_progress(project):
    m.Project.objects.filter(pk=project.pk).update(status=m.ProjectStatus.IN_PROGRESS)
    project.refresh_from_db()
    return project


def test_a_report_recorded_during_the_quarter_spares_the_reminder(world, funded_project):
    reported, silent = _in_progress(funded_project), _in_progress(world.approved(title="Roof"))
    report = m.ProgressReport.objects.create(project=reported, reported_on=QUARTER,
                                             text="Trench dug", created_by=world.alice)
    m.ProgressReport.objects.filter(pk=report.pk).update(
        created_at=local(QUARTER - datetime.timedelta(days=20), 12))

    run_at(local(QUARTER, 10))
    assert not recipients(K.PROGRESS_REPORT_DUE, subject_id=reported.pk)
    assert recipients(K.PROGRESS_REPORT_DUE, subject_id=silent.pk) == {"alice"}


def test_the_reminder_links_to_the_progress_report_form(world, funded_project, settings):
    settings.SITE_URL = "https://hashar.example.org"
    project = _in_progress(funded_project)
    run_at(local(QUARTER, 10))
    reminder = m.Reminder.objects.get(kind=K.PROGRESS_REPORT_DUE, subject_id=project.pk)
    body = messages.render(reminder, project, "email").body
    form = reverse("clerk-progress-new", args=[project.pk])
    assert f"https://hashar.example.org{form}" in body


def test_the_reminders_page_links_the_clerk_to_the_form(client, world, funded_project):
    project = _in_progress(funded_project)
    run_at(local(QUARTER, 10))
    client.force_login(world.alice)
    html = client.get(reverse("reminders:list")).content.decode()
    assert reverse("clerk-progress-new", args=[project.pk]) in html
