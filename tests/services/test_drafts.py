"""Drafts: edited by their clerk until submitted, withdrawn with a reason (money refunded by
the ledger), and their eligibility checked as far as the inputs allow."""

import datetime
from decimal import Decimal

import pghistory.models
import pytest

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput, NotAllowed
from matching.services.projects import check_eligibility
from tests import factories as f

S = m.ProjectStatus


def _edit(world, project, actor=None, **changes):
    fields = {"title": project.title, "mahalla": project.mahalla, "scheme": project.scheme,
              "category": project.category, "cost": project.cost,
              "description": project.description, "executor": project.executor,
              "executor_kind": project.executor_kind, "deadline": project.deadline}
    return services.project_edit(project=project, actor=actor or world.alice,
                                 **{**fields, **changes})


def _audit_event(project, label="update"):
    return (pghistory.models.Events.objects.tracks(project).filter(pgh_label=label)
            .order_by("-pgh_id").first())


def test_clerk_edits_her_draft_and_the_trail_names_her(world):
    project = world.project()
    edited = _edit(world, project, title="Navbahor pipe, phase 1", cost=Decimal("35000000.00"),
                   category=m.Category.SEWERAGE, executor="Suv Qurilish LLC")
    project.refresh_from_db()
    assert edited.pk == project.pk and project.code == edited.code
    assert (project.title, project.cost, project.category, project.executor) == (
        "Navbahor pipe, phase 1", Decimal("35000000.00"), "sewerage", "Suv Qurilish LLC")
    event = _audit_event(project)
    assert event.pgh_context["user"] == world.alice.pk
    assert event.pgh_context["service"] == "project_edit"


def test_a_submitted_project_is_no_longer_edited(world):
    project = world.submitted()
    with pytest.raises(NotAllowed, match="Only a draft can be edited"):
        _edit(world, project, title="Changed after submission")
    assert m.Project.objects.get(pk=project.pk).title == "Water pipe"


@pytest.mark.parametrize("change, field", [
    ({"title": "   "}, "title"), ({"cost": Decimal("0")}, "cost"),
    ({"cost": Decimal("1.234")}, "cost"), ({"category": "casino"}, "category"),
], ids=["blank_title", "zero_cost", "too_many_places", "unknown_category"])
def test_bad_edits_change_nothing(world, change, field):
    project = world.project()
    with pytest.raises(InvalidInput) as refused:
        _edit(world, project, **change)
    assert refused.value.field == field
    project.refresh_from_db()
    assert project.title == "Water pipe" and project.cost == Decimal("40000000.00")


def test_clerk_cannot_move_a_draft_into_another_clerks_mahalla(world):
    project = world.project()
    with pytest.raises(NotAllowed) as refused:
        _edit(world, project, mahalla=world.mahalla_b)
    assert refused.value.field == "mahalla"
    assert m.Project.objects.get(pk=project.pk).mahalla == world.mahalla_a


@pytest.mark.parametrize("who", ["charlie", "bob", "migrant", "auditor"])
def test_only_the_drafts_clerk_edits_it(world, who):
    project = world.project()
    with pytest.raises(Forbidden):
        _edit(world, project, actor=getattr(world, who), title="Not mine")
    assert m.Project.objects.get(pk=project.pk).title == "Water pipe"


def test_a_draft_holding_money_keeps_its_currency(world):
    project = world.project()
    world.receipt(project, "1000000.00")
    tenge = f.SchemeFactory(code="kz-scheme", currency="KZT", country=world.country)
    with pytest.raises(NotAllowed, match="converted to UZS") as refused:
        _edit(world, project, scheme=tenge)
    assert refused.value.field == "scheme"
    assert m.Project.objects.get(pk=project.pk).scheme == world.scheme


def test_withdrawing_a_draft_refunds_its_money_by_the_ledger(world):
    # given a draft holding two receipts (one with a fee) and an announced pledge
    project = world.project()
    pledge = services.pledge_create(project=project, actor=world.alice,
                                    amount=Decimal("100000"), currency="UZS",
                                    expected_on=datetime.date.today())
    first = world.receipt(project, "3000000.00", fee=Decimal("30000.00"))
    second = world.receipt(project, "2000000.00")
    # when the clerk withdraws it
    services.project_withdraw(project=project, actor=world.alice, reason="Land not available")
    # then the money went back by refund entries, the draft stays on record with its reason
    project.refresh_from_db()
    assert project.status == S.WITHDRAWN and project.received == Decimal("0.00")
    refunds = project.ledger.filter(kind=m.EntryKind.REFUND).order_by("id")
    assert [(e.receipt_id, e.amount) for e in refunds] == [
        (second.pk, Decimal("-2000000.00")), (first.pk, Decimal("-3000000.00"))]
    assert {r.status for r in project.receipts.all()} == {m.ReceiptStatus.REFUNDED}
    assert project.ledger.filter(kind=m.EntryKind.FEE).count() == 1  # the fee stays spent
    assert m.Pledge.objects.get(pk=pledge.pk).status == m.PledgeStatus.WITHDRAWN
    change = project.timeline.get(to_status=S.WITHDRAWN)
    assert change.reason == "Land not available" and change.actor == world.alice
    assert ledger.verify() == []
    assert _audit_event(project).pgh_context["service"] == "project_withdraw"


def test_a_withdrawn_draft_takes_no_money_and_cannot_be_submitted(world):
    project = world.project()
    services.project_withdraw(project=project, actor=world.alice, reason="Duplicate")
    with pytest.raises(NotAllowed):
        world.receipt(project, "1000.00")
    with pytest.raises(NotAllowed):
        services.project_submit(project=project, actor=world.alice)
    assert m.Project.objects.get(pk=project.pk).status == S.WITHDRAWN


def test_withdrawal_needs_a_reason_and_writes_nothing_without_one(world):
    project = world.project()
    world.receipt(project, "1000000.00")
    entries = m.LedgerEntry.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.project_withdraw(project=project, actor=world.alice, reason="  ")
    assert refused.value.field == "reason"
    project.refresh_from_db()
    assert project.status == S.DRAFT and project.received == Decimal("1000000.00")
    assert m.LedgerEntry.objects.count() == entries


def test_only_a_draft_is_withdrawn(world):
    project = world.submitted()
    with pytest.raises(NotAllowed):
        services.project_withdraw(project=project, actor=world.alice, reason="Changed mind")
    assert m.Project.objects.get(pk=project.pk).status == S.SUBMITTED


@pytest.mark.parametrize("who", ["charlie", "bob", "migrant"])
def test_only_its_clerk_withdraws_a_draft(world, who):
    project = world.project()
    with pytest.raises(Forbidden):
        services.project_withdraw(project=project, actor=getattr(world, who), reason="No")
    assert m.Project.objects.get(pk=project.pk).status == S.DRAFT


def test_withdrawn_drafts_count_in_no_report(world):
    from matching.reports.common import IN_PROGRAMME

    kept, withdrawn = world.submitted(), world.project(title="Gone")
    services.project_withdraw(project=withdrawn, actor=world.alice, reason="Duplicate")
    assert list(m.Project.objects.filter(IN_PROGRAMME)) == [kept]


def test_eligibility_checks_what_the_inputs_allow(world):
    # nothing chosen yet: nothing to say, and not complete
    assert check_eligibility() == check_eligibility(category="road")
    assert check_eligibility().problems == [] and not check_eligibility().complete
    # the association and a mahalla that is not its home: said at once
    found = check_eligibility(association=world.other_association, mahalla=world.mahalla_a)
    assert found.problems == ["Navbahor is not a home mahalla of Bekobod Diaspora Almaty."]
    # the scheme and a cost above its maximum
    found = check_eligibility(scheme=world.scheme, cost=Decimal("950000000.00"))
    assert ["above the scheme's maximum" in p for p in found.problems] == [True]
    # everything, and eligible
    found = check_eligibility(mahalla=world.mahalla_a, association=world.association,
                              scheme=world.scheme, category="road", cost=Decimal("1000.00"))
    assert found.problems == [] and found.complete


def test_eligibility_sees_a_recent_winner_before_any_money_goes_in(world):
    m.Scheme.objects.filter(pk=world.scheme.pk).update(win_cooldown_seasons=2)
    world.scheme.refresh_from_db()
    world.approved(title="Last year's winner")
    found = check_eligibility(mahalla=world.mahalla_a, scheme=world.scheme)
    assert found.problems == ["This mahalla won a project in the last 2 seasons."]
    assert check_eligibility(mahalla=world.mahalla_b, scheme=world.scheme).problems == []
