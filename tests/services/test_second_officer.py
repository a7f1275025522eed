"""Four eyes, stronger where the scheme asks: a decision on a project above the threshold
waits for a second officer, and only the confirmation runs it."""

from decimal import Decimal

import pytest

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Conflict, Forbidden, InvalidInput, NotAllowed

from .officer_helpers import in_review, last_actor, second_officer_above

S = m.ProjectStatus
D = Decimal


def decide(world, project, decision=S.APPROVED, *, actor=None, reason="Good value", **kwargs):
    return services.decision_record(project=project, actor=actor or world.bob,
                                    decision=decision, reason=reason, **kwargs)


def test_below_the_threshold_one_officer_decides_at_once(world):
    second_officer_above(world, "50000000.00")
    project = in_review(world)
    assert decide(world, project) is None
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDING


def test_above_it_the_decision_waits_and_changes_nothing(world):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project, S.CONDITIONALLY_APPROVED, conditions="Land title")
    assert (pending.status, pending.proposed_by, pending.conditions) == (
        m.DecisionStatus.PENDING, world.bob, "Land title")
    project.refresh_from_db()
    assert project.status == S.UNDER_REVIEW
    assert not project.commitments.exists() and not m.LedgerEntry.objects.exists()
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == 0
    assert last_actor(pending) == world.bob.pk


def test_no_service_skips_the_second_officer(world):
    second_officer_above(world)
    project = in_review(world)
    with pytest.raises(NotAllowed, match="second officer's confirmation"):
        services.project_approve(project=project, actor=world.bob, reason="ok")
    with pytest.raises(NotAllowed, match="second officer's confirmation"):
        services.project_decide(project=project, actor=world.bob, decision=S.REJECTED,
                                reason="no")
    assert m.Project.objects.get(pk=project.pk).status == S.UNDER_REVIEW


def test_the_second_officer_confirms_and_both_names_are_kept(world):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project, reason="Clean water for 3,000 people")
    services.decision_confirm(pending=pending, actor=world.erin, note="Checked the quotes")
    project.refresh_from_db()
    pending.refresh_from_db()
    assert project.status == S.FUNDING
    change = project.timeline.get(to_status=S.APPROVED)
    assert (change.actor, change.confirmed_by, change.reason) == (
        world.bob, world.erin, "Clean water for 3,000 people")
    assert (pending.status, pending.resolved_by, pending.resolution) == (
        m.DecisionStatus.CONFIRMED, world.erin, "Checked the quotes")
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == D("20000000.00")  # reserved at the confirmation
    assert last_actor(pending) == world.erin.pk
    assert ledger.verify() == []


@pytest.mark.parametrize("decision", [S.DEFERRED, S.REJECTED])
def test_deferrals_and_rejections_wait_too(world, decision):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project, decision, reason="Next season")
    assert m.Project.objects.get(pk=project.pk).status == S.UNDER_REVIEW
    services.decision_confirm(pending=pending, actor=world.erin)
    change = m.Project.objects.get(pk=project.pk).timeline.get(to_status=decision)
    assert (change.actor, change.confirmed_by) == (world.bob, world.erin)


def test_the_first_officer_cannot_confirm_his_own_decision(world):
    second_officer_above(world)
    pending = decide(world, in_review(world))
    with pytest.raises(NotAllowed, match="second officer must confirm"):
        services.decision_confirm(pending=pending, actor=world.bob)
    assert m.PendingDecision.objects.get(pk=pending.pk).status == m.DecisionStatus.PENDING


def test_a_receipt_recorder_cannot_confirm(world):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project)
    # erin once recorded a receipt on it, as a clerk
    world.erin.mahallas.add(world.mahalla_a)
    m.User.objects.filter(pk=world.erin.pk).update(role=m.Role.CLERK)
    world.erin.refresh_from_db()
    world.receipt(project, "100.00")  # alice's
    services.receipt_record(project=project, actor=world.erin, amount=D("100.00"),
                            currency="UZS", received_on=project.created_at.date(),
                            reference="ERIN-1")
    m.User.objects.filter(pk=world.erin.pk).update(role=m.Role.OFFICER)
    world.erin.refresh_from_db()
    with pytest.raises(NotAllowed, match="recorded a receipt"):
        services.decision_confirm(pending=pending, actor=world.erin)
    assert m.PendingDecision.objects.get(pk=pending.pk).status == m.DecisionStatus.PENDING
    assert m.Project.objects.get(pk=project.pk).status == S.UNDER_REVIEW


def test_an_officer_of_another_district_cannot_confirm_or_send_back(world):
    second_officer_above(world)
    pending = decide(world, in_review(world))
    with pytest.raises(Forbidden):
        services.decision_confirm(pending=pending, actor=world.dave)
    with pytest.raises(Forbidden):
        services.decision_return(pending=pending, actor=world.dave, reason="no")
    assert m.PendingDecision.objects.get(pk=pending.pk).status == m.DecisionStatus.PENDING


def test_a_confirmation_the_envelope_cannot_hold_changes_nothing(world):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project)
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(amount=D("1000000.00"))
    with pytest.raises(Conflict, match="envelope lacks"):
        services.decision_confirm(pending=pending, actor=world.erin)
    assert m.PendingDecision.objects.get(pk=pending.pk).status == m.DecisionStatus.PENDING
    assert m.Project.objects.get(pk=project.pk).status == S.UNDER_REVIEW
    assert not m.LedgerEntry.objects.exists()


def test_sent_back_it_stays_on_record_and_another_decision_may_follow(world):
    second_officer_above(world)
    project = in_review(world)
    pending = decide(world, project)
    with pytest.raises(InvalidInput):
        services.decision_return(pending=pending, actor=world.erin, reason="")
    services.decision_return(pending=pending, actor=world.erin, reason="Quotes missing")
    pending.refresh_from_db()
    assert (pending.status, pending.resolved_by, pending.resolution) == (
        m.DecisionStatus.RETURNED, world.erin, "Quotes missing")
    with pytest.raises(NotAllowed, match="already confirmed or sent back"):
        services.decision_confirm(pending=pending, actor=world.erin)
    second = decide(world, project, S.DEFERRED, actor=world.erin, reason="Spring")
    services.decision_confirm(pending=second, actor=world.bob)
    assert m.Project.objects.get(pk=project.pk).status == S.DEFERRED


def test_one_decision_waits_at_a_time(world):
    second_officer_above(world)
    project = in_review(world)
    decide(world, project)
    with pytest.raises(NotAllowed, match="already waits"):
        decide(world, project, S.REJECTED, actor=world.erin, reason="No")
    assert m.PendingDecision.objects.filter(project=project).count() == 1


@pytest.mark.parametrize("decision, kwargs, field", [
    ("fund_my_cousin", {}, "decision"),
    (S.APPROVED, {"reason": " "}, "reason"),
    (S.CONDITIONALLY_APPROVED, {"conditions": " "}, "conditions"),
])
def test_bad_decisions_are_refused_with_their_field(world, decision, kwargs, field):
    second_officer_above(world)
    project = in_review(world)
    with pytest.raises(InvalidInput) as caught:
        decide(world, project, decision, **{"reason": "ok", **kwargs})
    assert caught.value.field == field
    assert not m.PendingDecision.objects.exists()


def test_an_approval_with_a_gap_is_refused_when_the_first_officer_decides(world):
    from .officer_helpers import capped

    capped(world)
    second_officer_above(world)
    with pytest.raises(NotAllowed, match="funding gap remains"):
        decide(world, in_review(world))
    assert not m.PendingDecision.objects.exists()


def test_the_submitter_and_receipt_recorders_cannot_even_start_the_review(world):
    project = world.submitted()
    world.bob.mahallas.add(world.mahalla_a)
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.CLERK)
    world.bob.refresh_from_db()
    services.receipt_record(project=project, actor=world.bob, amount=D("100.00"),
                            currency="UZS", received_on=project.created_at.date(),
                            reference="BOB-1")
    m.User.objects.filter(pk=world.bob.pk).update(role=m.Role.OFFICER)
    world.bob.refresh_from_db()
    with pytest.raises(NotAllowed, match="recorded a receipt"):
        services.project_review_start(project=project, actor=world.bob)
    services.project_review_start(project=project, actor=world.erin)
