"""The project lifecycle: every transition allowed and refused, eligibility, four eyes."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput, NotAllowed
from matching.services.projects import TRANSITIONS, transition

S = m.ProjectStatus
PDF = b"%PDF-1.4 handover act"


def handover(world, project):
    return services.evidence_add(project=project, actor=world.alice, kind="handover_act",
                                 file=SimpleUploadedFile("act.pdf", PDF))


def test_happy_path_from_draft_to_closed(world):
    # given a project approved and fully funded
    project = world.approved()
    assert project.status == S.FUNDING
    world.receipt(project, "20000000.00")
    project.refresh_from_db()
    assert project.status == S.FUNDED
    # when it is started, completed with a handover act and closed
    world.start_works(project)
    handover(world, project)
    world.signed_off(project)
    services.project_complete(project=project, actor=world.alice)
    services.project_close(project=project, actor=world.bob)
    # then the timeline tells the whole story
    project.refresh_from_db()
    assert project.status == S.CLOSED
    assert list(project.timeline.values_list("to_status", flat=True)) == [
        S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.FUNDING, S.FUNDED, S.IN_PROGRESS,
        S.COMPLETED, S.CLOSED]


@pytest.mark.parametrize("from_status", list(S))
def test_transition_table_is_enforced(world, from_status):
    project = world.project()
    m.Project.objects.filter(pk=project.pk).update(status=from_status)
    project.refresh_from_db()
    for to in S:
        before = project.timeline.count()
        if to in TRANSITIONS[from_status]:
            continue
        with pytest.raises(NotAllowed):
            transition(project, to, actor=world.bob)
        project.refresh_from_db()
        assert project.status == from_status
        assert project.timeline.count() == before


def test_completion_needs_a_handover_act(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    world.start_works(project)
    world.signed_off(project)
    with pytest.raises(NotAllowed, match="handover act"):
        services.project_complete(project=project, actor=world.alice)
    assert m.Project.objects.get(pk=project.pk).status == S.IN_PROGRESS


def test_submitter_cannot_review(world):
    project = world.project()
    world.bob.mahallas.add(world.mahalla_a)
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.CLERK)
    world.bob.refresh_from_db()
    services.project_submit(project=project, actor=world.bob)
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.OFFICER)
    world.bob.refresh_from_db()
    with pytest.raises(NotAllowed, match="another officer"):
        services.project_review_start(project=project, actor=world.bob)


def test_whoever_recorded_a_receipt_cannot_approve(world):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    world.bob.mahallas.add(world.mahalla_a)
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.CLERK)
    world.bob.refresh_from_db()
    services.receipt_record(project=project, actor=world.bob, amount=Decimal("100.00"),
                            currency="UZS", received_on=datetime.date.today(), reference="X1")
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.OFFICER)
    world.bob.refresh_from_db()
    with pytest.raises(NotAllowed, match="recorded a receipt"):
        services.project_approve(project=project, actor=world.bob, reason="ok")
    assert not m.Commitment.objects.filter(project=project).exists()
    services.project_approve(project=project, actor=world.erin, reason="ok")


@pytest.mark.parametrize("decision", [S.DEFERRED, S.REJECTED])
def test_decisions_need_a_reason_and_keep_it(world, decision):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    with pytest.raises(InvalidInput):
        services.project_decide(project=project, actor=world.bob, decision=decision, reason=" ")
    services.project_decide(project=project, actor=world.bob, decision=decision,
                            reason="Budget session of spring")
    change = project.timeline.latest("id")
    assert (change.to_status, change.reason, change.actor) == (decision, "Budget session of spring",
                                                               world.bob)


def test_deferred_project_comes_back_to_review(world):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    services.project_decide(project=project, actor=world.bob, decision=S.DEFERRED, reason="later")
    services.project_review_start(project=project, actor=world.bob)
    services.project_approve(project=project, actor=world.bob, reason="now")
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDING


def test_conditional_approval_waits_for_conditions(world):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    services.project_approve(project=project, actor=world.bob, reason="ok",
                             conditions="Land title to be registered")
    project.refresh_from_db()
    assert project.status == S.CONDITIONALLY_APPROVED
    assert project.conditions == "Land title to be registered"
    services.project_conditions_met(project=project, actor=world.bob, reason="Title seen",
                                    evidence=world.evidence(project, "other"))
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDING


def test_suspend_and_resume_where_it_was(world):
    project = world.approved()
    services.project_suspend(project=project, actor=world.bob, reason="Audit")
    assert m.Project.objects.get(pk=project.pk).status == S.SUSPENDED
    services.project_resume(project=project, actor=world.bob, reason="Audit found nothing")
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDING


def test_officer_of_another_district_cannot_decide(world):
    project = world.submitted()
    with pytest.raises(Forbidden):
        services.project_review_start(project=project, actor=world.dave)
    with pytest.raises(Forbidden):
        services.project_submit(project=world.project(), actor=world.charlie)


# --- eligibility ---------------------------------------------------------------------------

def test_lapsed_association_cannot_submit(world):
    project = world.project()
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        valid_until=datetime.date.today() - datetime.timedelta(days=1))
    with pytest.raises(NotAllowed, match="lapsed"):
        services.project_submit(project=project, actor=world.alice)
    assert m.Project.objects.get(pk=project.pk).status == S.DRAFT


def test_association_with_too_few_members_cannot_submit(world):
    project = world.project()
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(member_count=9)
    with pytest.raises(NotAllowed, match="at least 10"):
        services.project_submit(project=project, actor=world.alice)


def test_ineligible_category_is_refused(world):
    world.scheme.eligible_categories = ["school"]
    world.scheme.save()
    with pytest.raises(NotAllowed, match="not eligible"):
        services.project_submit(project=world.project(), actor=world.alice)


def test_cost_above_the_maximum_is_refused(world):
    with pytest.raises(NotAllowed, match="above the scheme's maximum"):
        services.project_submit(project=world.project(cost="900000000.01"), actor=world.alice)


def test_overdue_open_project_blocks_another(world):
    world.scheme.block_with_overdue_project = True
    world.scheme.save()
    old = world.approved()
    m.Project.objects.filter(pk=old.pk).update(deadline=datetime.date.today()
                                               - datetime.timedelta(days=1))
    with pytest.raises(NotAllowed, match="past its deadline"):
        services.project_submit(project=world.project(), actor=world.alice)


def test_recent_winner_cannot_win_again(world):
    world.scheme.win_cooldown_seasons = 2
    world.scheme.save()
    world.approved()
    with pytest.raises(NotAllowed, match="last 2 seasons"):
        services.project_submit(project=world.project(), actor=world.alice)
    # another mahalla is free to win
    services.project_submit(project=world.project(mahalla=world.mahalla_b), actor=world.charlie)
