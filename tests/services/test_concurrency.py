"""Concurrent officers and clerks against real PostgreSQL: threads, each with its own
connection, released together by a barrier."""

import datetime
from decimal import Decimal

import pytest

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Conflict, ServiceError

from ..concurrency import race


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_over_commit_an_envelope(world):
    # given an envelope with room for exactly 4 projects' district targets (20,000,000 each)
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(amount=Decimal("80000000.00"))
    projects = [world.submitted(title=f"Pipe {i}") for i in range(10)]
    for project in projects:
        services.project_review_start(project=project, actor=world.bob)
    # when 10 approvals race
    results = race([lambda p=p: services.project_approve(project=p, actor=world.bob, reason="ok")
                    for p in projects])
    # then exactly 4 succeed and 6 are told the envelope lacks room
    approved = [r for r in results if isinstance(r, m.Project)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(approved) == 4, results
    assert len(refused) == 6
    assert all("envelope lacks" in r.message for r in refused)
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == Decimal("80000000.00")
    assert m.Commitment.objects.filter(role="district").count() == 4
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_two_clerks_recording_the_same_bank_reference_make_one_receipt(world):
    project = world.approved()
    world.alice.refresh_from_db()

    def record():
        return services.receipt_record(
            project=project, actor=world.alice, amount=Decimal("1000.00"), currency="UZS",
            received_on=datetime.date.today(), reference="SWIFT-RACE")

    results = race([record, record])
    assert sum(isinstance(r, m.Receipt) for r in results) == 1
    assert sum(isinstance(r, ServiceError) for r in results) == 1
    assert m.Receipt.objects.filter(reference="SWIFT-RACE").count() == 1
    project.refresh_from_db()
    assert project.received == Decimal("1000.00")
    assert ledger.verify() == []
