"""Top-ups: a gap that a cap opened is covered before the decision, by a funder's extra
commitment from its envelope or by the association raising its own share; the approval
reserves it like any commitment, and the match keeps it."""

from decimal import Decimal

import pytest

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Conflict, Forbidden, InvalidInput, NotAllowed

from .officer_helpers import (capped, committee, in_review, last_actor, region_funder,
                              second_officer_above, sponsor)

S = m.ProjectStatus
D = Decimal


def offer(world, project, amount, *, funder=None, actor=None, reason="Letter of 3 March"):
    return services.top_up_offer(project=project, actor=actor or world.bob, funder=funder,
                                 amount=amount, reason=reason)


def test_a_gap_blocks_approval_until_a_top_up_covers_it_and_the_approval_reserves_it(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    with pytest.raises(NotAllowed, match="funding gap of 5000000.00 UZS"):
        services.project_approve(project=project, actor=world.bob, reason="ok")

    top_up = offer(world, project, "5000000.00", funder=funder)
    assert top_up.status == m.TopUpStatus.OFFERED
    assert m.BudgetEnvelope.objects.get(funder=funder).reserved == 0  # nothing reserved yet
    assert last_actor(top_up) == world.bob.pk

    services.project_approve(project=project, actor=world.bob, reason="Covered")
    project.refresh_from_db()
    top_up.refresh_from_db()
    line = project.commitments.get(top_up=top_up)
    assert project.status == S.FUNDING and top_up.status == m.TopUpStatus.COMMITTED
    assert (line.role, line.funder, line.target, line.reserved, line.bound_by) == (
        f"top_up_{top_up.pk}", funder, D("5000000.00"), D("5000000.00"), "top_up")
    assert m.BudgetEnvelope.objects.get(funder=funder).reserved == D("5000000.00")
    assert line.tranches.count() == 3 and sum(t.amount for t in line.tranches.all()) == \
        D("5000000.00")
    # the explanation names the top-up and its funder; the match keeps it
    steps = [s["template"] for s in project.match_records.latest("id").result["steps"]]
    assert any(t.startswith("Top-up by %(name)s") for t in steps)
    assert ledger.verify() == []


def test_a_top_up_is_matched_in_step_with_the_association_and_the_project_gets_funded(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    top_up = offer(world, project, "5000000.00", funder=funder)
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    world.receipt(project, "10000000.00")
    line = project.commitments.get(top_up=top_up)
    assert line.matched == D("2500000.00")  # 5,000,000 × 10/20
    assert project.commitments.get(role="district").matched == D("10000000.00")
    world.receipt(project, "10000000.00")
    project.refresh_from_db()
    assert project.commitments.get(top_up=top_up).matched == D("5000000.00")
    assert project.status == S.FUNDED
    assert project.matched == D("20000000.00")  # 15,000,000 capped + 5,000,000 top-up
    assert ledger.verify() == []


def test_the_association_raises_its_own_share_and_the_raise_is_never_matched(world):
    capped(world)
    project = in_review(world)
    raise_ = services.top_up_offer(project=project, actor=world.migrant, funder=None,
                                   amount="5000000.00", reason="The board decided on 3 March")
    assert raise_.role == "association" and raise_.envelope is None
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    association = project.commitments.get(role="association")
    assert association.target == D("25000000.00")
    world.receipt(project, "24000000.00")
    project.refresh_from_db()
    district = project.commitments.get(role="district")
    assert district.matched == D("15000000.00")  # matched on 20,000,000 at most, capped
    assert project.commitments.get(role="association").matched == D("24000000.00")
    assert project.status == S.FUNDING  # 1,000,000 of the raise still to come
    world.receipt(project, "1000000.00")
    assert m.Project.objects.get(pk=project.pk).status == S.FUNDED
    assert ledger.verify() == []


def test_a_top_up_beyond_the_gap_is_refused_on_its_amount_and_nothing_is_written(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    offer(world, project, "3000000.00", funder=funder)
    with pytest.raises(InvalidInput, match="Only 2000000.00 UZS of the gap") as caught:
        services.top_up_offer(project=project, actor=world.migrant, amount="2000000.01",
                              reason="More")
    assert caught.value.field == "amount"
    assert m.TopUp.objects.filter(project=project).count() == 1


def test_a_project_without_a_gap_takes_no_top_up(world):
    funder = committee(world)
    project = in_review(world)
    with pytest.raises(InvalidInput, match="Only 0.00 UZS"):
        offer(world, project, "1.00", funder=funder)


@pytest.mark.parametrize("amount, field", [("0", "amount"), ("-1", "amount"),
                                           ("1.001", "amount"), ("lots", "amount")])
def test_bad_top_up_amounts_are_refused_with_their_field(world, amount, field):
    capped(world)
    project = in_review(world)
    with pytest.raises(InvalidInput) as caught:
        offer(world, project, amount, funder=committee(world))
    assert caught.value.field == field and not m.TopUp.objects.exists()


def test_a_top_up_needs_a_reason(world):
    capped(world)
    with pytest.raises(InvalidInput) as caught:
        offer(world, in_review(world), "1000.00", funder=committee(world), reason=" ")
    assert caught.value.field == "reason"


def test_an_officer_commits_only_his_districts_funders_and_an_administrator_any(world):
    capped(world)
    project = in_review(world)
    region = region_funder(world)
    with pytest.raises(NotAllowed, match="may not commit") as caught:
        offer(world, project, "1000000.00", funder=region)
    assert caught.value.field == "funder"
    with pytest.raises(NotAllowed, match="may not commit"):
        offer(world, project, "1000000.00", funder=sponsor())
    offer(world, project, "1000000.00", funder=region, actor=world.admin)
    top_up = offer(world, project, "1000000.00", funder=sponsor(), actor=world.admin)
    assert top_up.envelope is None  # a private sponsor without an envelope


def test_other_people_may_not_top_up(world):
    capped(world)
    project = in_review(world)
    funder = committee(world)
    for person in (world.dave, world.alice, world.auditor):
        with pytest.raises(Forbidden):
            offer(world, project, "1000000.00", funder=funder, actor=person)
    with pytest.raises(Forbidden):  # another association cannot raise this one's share
        services.top_up_offer(project=project, actor=world.stranger, amount="1000000.00",
                              reason="Us too")
    with pytest.raises(Forbidden):  # an association commits no funder's money
        offer(world, project, "1000000.00", funder=funder, actor=world.migrant)
    assert not m.TopUp.objects.exists()


def test_a_funder_tops_up_only_from_room_its_own_share_leaves(world):
    capped(world)
    # the district's envelope: 15,000,000 for its capped share, and 4,000,000 to spare
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(amount=D("19000000.00"))
    district = world.envelope_a.funder
    project = in_review(world)
    with pytest.raises(NotAllowed, match="4,000,000.00 UZS left|4000000.00 UZS left") as caught:
        offer(world, project, "5000000.00", funder=district)
    assert caught.value.field == "amount"
    offer(world, project, "4000000.00", funder=district)
    offer(world, project, "1000000.00", actor=world.admin)  # the association raises the rest
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == D("19000000.00") == world.envelope_a.amount
    # one funder, two commitments: its share and its top-up
    assert project.commitments.filter(funder=district).count() == 2
    assert ledger.verify() == []


def test_an_envelope_spent_meanwhile_refuses_the_approval_naming_it(world):
    capped(world)
    funder = committee(world, amount="5000000.00")
    project = in_review(world)
    offer(world, project, "5000000.00", funder=funder)
    m.BudgetEnvelope.objects.filter(funder=funder).update(amount=D("4000000.00"))
    with pytest.raises(Conflict, match="Navbahor mahalla committee envelope lacks"):
        services.project_approve(project=project, actor=world.bob, reason="ok")
    assert not m.Commitment.objects.filter(project=project).exists()
    assert m.TopUp.objects.get(project=project).status == m.TopUpStatus.OFFERED


def test_a_sponsor_without_an_envelope_is_reserved_on_its_commitment_and_released_at_cancel(
        world):
    capped(world)
    project = in_review(world)
    top_up = offer(world, project, "5000000.00", funder=sponsor(), actor=world.admin)
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    line = project.commitments.get(top_up=top_up)
    assert line.envelope is None and line.reserved == D("5000000.00")
    services.project_cancel(project=project, actor=world.bob, reason="Land dispute")
    assert m.Commitment.objects.get(pk=line.pk).reserved == 0
    assert ledger.verify() == []


def test_top_ups_are_withdrawn_before_the_decision_only_and_stay_on_record(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    top_up = offer(world, project, "5000000.00", funder=funder)
    services.top_up_withdraw(top_up=top_up, actor=world.bob)
    with pytest.raises(NotAllowed, match="already withdrawn"):
        services.top_up_withdraw(top_up=top_up, actor=world.bob)
    assert m.TopUp.objects.get(pk=top_up.pk).status == m.TopUpStatus.WITHDRAWN
    again = offer(world, project, "5000000.00", funder=funder)  # offered anew
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    with pytest.raises(NotAllowed, match="before the decision"):
        services.top_up_withdraw(top_up=again, actor=world.bob)
    with pytest.raises(NotAllowed, match="before the decision"):
        offer(world, project, "1.00", funder=funder)


def test_one_live_top_up_per_funder(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    offer(world, project, "1000000.00", funder=funder)
    with pytest.raises(NotAllowed, match="already offers a top-up") as caught:
        offer(world, project, "1000000.00", funder=funder)
    assert caught.value.field == "funder"


def test_a_rejection_withdraws_the_offered_top_ups(world):
    capped(world)
    project = in_review(world)
    top_up = offer(world, project, "5000000.00", funder=committee(world))
    services.project_decide(project=project, actor=world.bob, decision=S.REJECTED,
                            reason="Not this season")
    assert m.TopUp.objects.get(pk=top_up.pk).status == m.TopUpStatus.WITHDRAWN


def test_a_later_rules_edit_never_changes_a_match_with_a_top_up(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    offer(world, project, "5000000.00", funder=funder)
    services.project_approve(project=project, actor=world.bob, reason="Covered")
    # the cap is lifted next year: the approved match keeps its version and its top-up
    world.scheme.parties.filter(role="district").update(cap=None)
    services.scheme_publish(scheme=world.scheme, actor=world.admin)
    world.receipt(project, "20000000.00")
    project.refresh_from_db()
    assert project.commitments.get(role="district").matched == D("15000000.00")
    assert project.commitments.get(funder=funder).matched == D("5000000.00")
    from matching.services.recompute import matches_recompute

    assert matches_recompute(fiscal_year=world.scheme.fiscal_year, actor=world.admin) \
        .changed == []
    assert ledger.verify() == []


def test_no_top_up_while_a_decision_waits_for_a_second_officer(world):
    capped(world)
    second_officer_above(world)
    funder = committee(world)
    project = in_review(world)
    offer(world, project, "5000000.00", funder=funder)
    services.decision_record(project=project, actor=world.bob, decision=S.APPROVED,
                             reason="Covered")
    with pytest.raises(NotAllowed, match="waits for a second officer"):
        offer(world, project, "1.00", actor=world.admin)
