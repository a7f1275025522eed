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


def _regional(district, **filters) -> dict:
    rows = m.RegionalTotal.objects.filter(district=district, **filters)
    return {k: sum((getattr(r, k) for r in rows), Decimal(0))
            for k in ("projects", "received", "matched", "disbursed", "pledged")}


@pytest.mark.django_db(transaction=True)
def test_concurrent_money_keeps_the_regional_summary_rows_exact(world):
    """Receipts (each matching the co-funders: several summary rows a transaction) and
    pledges race on projects of two districts; the rows are folded at each commit and add up
    exactly, whatever the interleaving."""
    from django.db import connection

    projects = [world.approved(title="Pipe A1"), world.approved(title="Pipe A2"),
                world.approved(mahalla=world.mahalla_b, title="Roof B1"),
                world.approved(mahalla=world.mahalla_b, title="Roof B2")]
    amounts = [Decimal("1000000.00"), Decimal("2000000.00"), Decimal("3000000.00"),
               Decimal("4000000.00")]
    workers = [lambda p=p, a=a, i=i, n=n: world.receipt(p, str(a), reference=f"RACE-{i}-{n}")
               for i, (p, a) in enumerate(zip(projects, amounts)) for n in range(3)]
    workers += [lambda p=p: services.pledge_create(
        project=p, actor=world.migrant, amount="100.00", currency="RUB",
        expected_on=datetime.date.today()) for p in projects]
    results = race(workers)
    assert not [r for r in results if isinstance(r, Exception)], results
    with connection.cursor() as cursor:  # every change was folded at its commit
        cursor.execute("SELECT count(*) FROM matching_regionalpending")
        assert cursor.fetchone()[0] == 0
    a, b = _regional(world.district_a, role=""), _regional(world.district_b, role="")
    assert a["received"] == 3 * (amounts[0] + amounts[1])
    assert b["received"] == 3 * (amounts[2] + amounts[3])
    assert (a["pledged"], b["pledged"]) == (Decimal("200.00"), Decimal("200.00"))
    assert a["matched"] == sum(p.matched for p in m.Project.objects.filter(
        mahalla=world.mahalla_a))
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_writers_crossing_two_districts_in_opposite_orders_do_not_deadlock(world):
    """Two transactions each post money to a project of district A and one of district B, in
    opposite orders, and wait for each other between the two: summary rows written at once
    would lock A's row then wait for B's while the other holds B's and waits for A's. Folded
    at commit, in key order, both commit."""
    import threading

    from django.db import transaction

    from matching.services.projects import lock

    a1, a2 = world.approved(title="Pipe A1"), world.approved(title="Pipe A2")
    b1 = world.approved(mahalla=world.mahalla_b, title="Roof B1")
    b2 = world.approved(mahalla=world.mahalla_b, title="Roof B2")
    halfway = threading.Barrier(2, timeout=30)

    def cross(first, second):
        def work():
            with transaction.atomic():
                for i, project in enumerate((first, second)):
                    project = lock(project)
                    ledger.post(project=project, kind=m.EntryKind.RECEIPT,
                                role=m.ASSOCIATION_ROLE, amount=Decimal("500.00"),
                                actor=world.alice, memo="crossing")
                    if i == 0:
                        halfway.wait()
            return "committed"
        return work

    assert race([cross(a1, b1), cross(b2, a2)]) == ["committed", "committed"]
    assert _regional(world.district_a, role="")["received"] == Decimal("1000.00")
    assert _regional(world.district_b, role="")["received"] == Decimal("1000.00")
    assert ledger.verify() == []
