"""The demo programme's works: its project in progress and its closed one have milestones,
progress reports with real photos and an oversight committee; the closed one was completed
by its clerk with the committee's sign-off."""

from django.core.management import call_command

from matching import models as m
from matching import photos
from matching.services.works import committee_status


def test_the_demo_shows_the_works_of_its_started_and_finished_projects(db):
    call_command("seed_demo", verbosity=0)
    started = m.Project.objects.get(title="Navbahor drinking water pipe")
    closed = m.Project.objects.get(title="Bog'ishamol road to the school")
    assert (started.status, closed.status) == ("in_progress", "closed")
    for project in (started, closed):
        assert sum(x.share for x in project.milestones.all()) == 100
        assert project.progress_reports.exists()
        assert committee_status(project).members == 3
        assert all(p.thumbnail and p.public_copy
                   for p in m.Evidence.objects.filter(progress_report__project=project))
    # the started one has a photo for the officer to look at: old and far from Navbahor
    flagged = [p for p in m.Evidence.objects.filter(progress_report__project=started)
               if photos.flags(p, mahalla=started.mahalla)]
    assert len(flagged) == 1
    # the closed one was completed by the clerk, signed off by a majority
    assert closed.timeline.get(to_status="completed").actor.username == "clerk"
    assert committee_status(closed).problem is None
    assert closed.milestones.progress() == 100
    assert closed.evidence.filter(kind="handover_act").count() == 1
