"""Officers at the same moment, against real PostgreSQL: top-ups and approvals never
over-commit an envelope; a double click on close, refund or confirm changes nothing twice."""

from decimal import Decimal

import pytest

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Conflict, NotAllowed

from .. import factories as f
from ..concurrency import race
from .officer_helpers import capped, committee, in_review, second_officer_above

S = m.ProjectStatus
D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


def test_approvals_with_top_ups_from_one_envelope_never_over_commit_it(world):
    # given a committee envelope with room for one 5,000,000 top-up, offered to three projects
    capped(world)
    funder = committee(world, amount="5000000.00")
    projects = [in_review(world, title=f"Pipe {i}") for i in range(3)]
    for project in projects:
        services.top_up_offer(project=project, actor=world.bob, funder=funder,
                              amount="5000000.00", reason="Committee letter")
    # when two officers approve all three at once
    officers = [world.bob, world.erin, world.bob]
    results = race([lambda p=p, o=o: services.project_approve(project=p, actor=o, reason="ok")
                    for p, o in zip(projects, officers)])
    # then one is approved, the others are told the committee's envelope lacks room
    assert sum(isinstance(r, m.Project) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 2 and all("envelope lacks" in r.message for r in refused)
    envelope = m.BudgetEnvelope.objects.get(funder=funder)
    assert envelope.reserved == D("5000000.00") <= envelope.amount
    assert m.TopUp.objects.filter(status=m.TopUpStatus.COMMITTED).count() == 1
    assert ledger.verify() == []


def test_two_officers_offering_the_same_funders_top_up_make_one(world):
    capped(world)
    funder = committee(world)
    project = in_review(world)

    def offer(officer):
        return lambda: services.top_up_offer(project=project, actor=officer, funder=funder,
                                             amount="5000000.00", reason="Committee letter")

    results = race([offer(world.bob), offer(world.erin)])
    assert sum(isinstance(r, m.TopUp) for r in results) == 1, results
    assert sum(isinstance(r, NotAllowed) for r in results) == 1
    assert m.TopUp.objects.filter(project=project).count() == 1


def _completed(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    world.start_works(project)
    world.signed_off(project)
    world.evidence(project, "handover_act")
    services.project_complete(project=project, actor=world.clerk_of(project))
    return project


def test_a_double_click_on_close_closes_once(world):
    project = _completed(world)
    results = race([lambda: services.project_close(project=project, actor=world.bob)] * 2)
    assert sum(isinstance(r, m.Project) for r in results) == 1, results
    assert sum(isinstance(r, NotAllowed) for r in results) == 1
    assert m.LedgerEntry.objects.filter(project=project, kind="reservation",
                                        amount__lt=0).count() == 1
    assert m.BudgetEnvelope.objects.get(pk=world.envelope_a.pk).reserved == 0
    assert ledger.verify() == []


def test_a_double_click_on_refund_refunds_once(world):
    project = world.approved()
    receipt = world.receipt(project, "6000000.00")
    results = race([lambda: services.receipt_refund(receipt=receipt, actor=world.bob,
                                                    reason="Asked back")] * 2)
    assert sum(isinstance(r, m.Receipt) for r in results) == 1, results
    assert m.LedgerEntry.objects.filter(kind="refund").count() == 1
    assert m.Project.objects.get(pk=project.pk).received == 0
    assert ledger.verify() == []


def test_two_second_officers_confirming_at_once_decide_once(world):
    second_officer_above(world)
    frank = f.UserFactory(username="frank", role=m.Role.OFFICER, district=world.district_a)
    project = in_review(world)
    pending = services.decision_record(project=project, actor=world.bob,
                                       decision=S.APPROVED, reason="Good value")
    results = race([lambda o=o: services.decision_confirm(pending=pending, actor=o)
                    for o in (world.erin, frank)])
    assert sum(isinstance(r, m.PendingDecision) for r in results) == 1, results
    assert m.Commitment.objects.filter(project=project, role="district").count() == 1
    assert m.BudgetEnvelope.objects.get(pk=world.envelope_a.pk).reserved == D("20000000.00")
    assert ledger.verify() == []
