"""ledger.post_many: a set of entries appended with one INSERT and the cached totals moved with
one UPDATE per table, to the same entries and totals as posting them one by one."""

from decimal import Decimal as D

import pytest
from django.db import transaction

from matching import ledger
from matching import models as m

E = m.EntryKind


class Rollback(Exception):
    pass


def _entries(world, p, q) -> list[dict]:
    """Every kind of entry, on two projects, several on the same rows, in an order that
    keeps every constraint true after each one (as posting one by one needs)."""
    assoc, district = (m.Commitment.objects.get(project=p, role=r)
                       for r in ("association", "district"))
    q_district = m.Commitment.objects.get(project=q, role="district")
    tranche = district.tranches.order_by("number").first()
    envelope = district.envelope
    return [
        dict(project=p, kind=E.RECEIPT, role="association", amount=D("10000000.00"),
             original_amount=D("66050.00"), original_currency="RUB", memo="Receipt T-1"),
        dict(project=p, kind=E.FEE, role="association", amount=D("50000.00"),
             original_amount=D("330.00"), original_currency="RUB", memo="Fee of T-1"),
        dict(project=p, kind=E.RECEIPT, role="association", amount=D("2000000.00")),
        dict(project=q, kind=E.RECEIPT, role="association", amount=D("3000000.00")),
        dict(project=p, kind=E.MATCH, role="association", amount=D("12000000.00"),
             commitment=assoc),
        dict(project=p, kind=E.MATCH, role="district", amount=D("12000000.00"),
             commitment=district),
        dict(project=q, kind=E.MATCH, role="district", amount=D("3000000.00"),
             commitment=q_district),
        dict(project=p, kind=E.DISBURSEMENT, role="district", amount=D("4000000.00"),
             commitment=district, tranche=tranche, envelope=envelope),
        dict(project=p, kind=E.RESERVATION, role="district", amount=D("-1000000.00"),
             commitment=district, envelope=envelope),
        dict(project=p, kind=E.REFUND, role="association", amount=D("-2000000.00")),
        dict(project=p, kind=E.CLAWBACK, role="district", amount=D("-1000000.00"),
             commitment=district, tranche=tranche, envelope=envelope, memo="x" * 400),
    ]


def _state(after: int):
    entries = list(m.LedgerEntry.objects.filter(pk__gt=after).order_by("pk").values_list(
        "project_id", "kind", "role", "amount", "currency", "original_amount",
        "original_currency", "receipt_id", "commitment_id", "envelope_id", "tranche_id",
        "reverses_id", "memo", "created_by_id"))
    totals = (
        list(m.Project.objects.order_by("pk").values_list("pk", "received", "matched",
                                                          "disbursed")),
        list(m.Commitment.objects.order_by("pk").values_list("pk", "matched", "reserved",
                                                             "disbursed")),
        list(m.Tranche.objects.order_by("pk").values_list("pk", "disbursed")),
        list(m.BudgetEnvelope.objects.order_by("pk").values_list("pk", "reserved",
                                                                 "disbursed")),
    )
    return entries, totals, ledger.verify()


def _rolled_back(work):
    try:
        with transaction.atomic():
            raise Rollback(work())
    except Rollback as done:
        return done.args[0]


def test_post_many_gives_the_entries_and_totals_of_posting_one_by_one(
        world, django_assert_num_queries):
    p, q = world.approved(), world.approved(title="Second")
    after = m.LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    specs = _entries(world, p, q)

    def one_by_one():
        for spec in specs:
            ledger.post(actor=world.bob, **spec)
        return _state(after)

    def together():
        entries = [ledger.entry(actor=world.bob, **spec) for spec in specs]
        # one INSERT; one UPDATE each for projects, commitments, tranches and envelopes
        with django_assert_num_queries(5):
            created = ledger.post_many(entries)
        assert all(e.pk for e in created) and len(created) == len(specs)
        return _state(after)

    expected = _rolled_back(one_by_one)
    entries, totals, differences = _rolled_back(together)
    assert (entries, totals, differences) == expected
    assert differences == [] and len(entries) == len(specs)
    assert entries[-1][12] == "x" * 300  # the memo cut to its column, as post does
    # the totals did move (not two unchanged snapshots)
    assert totals != _state(after)[1]


def test_post_many_refuses_a_zero_amount_and_writes_nothing(world):
    project = world.approved()
    before = (m.LedgerEntry.objects.count(),
              list(m.Project.objects.values_list("received", flat=True)))
    good = ledger.entry(project=project, kind=E.RECEIPT, role="association",
                        amount=D("100.00"), actor=world.alice)
    zero = ledger.entry(project=project, kind=E.RECEIPT, role="association",
                        amount=D("0.00"), actor=world.alice)
    with pytest.raises(ValueError, match="cannot be zero"):
        ledger.post_many([good, zero])
    with pytest.raises(ValueError, match="cannot be zero"):
        ledger.post(project=project, kind=E.FEE, role="association", amount=D("0"),
                    actor=world.alice)
    assert (m.LedgerEntry.objects.count(),
            list(m.Project.objects.values_list("received", flat=True))) == before


def test_post_many_of_nothing_writes_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert ledger.post_many([]) == []


def test_entries_that_net_out_pass_together(world):
    """Checked once, after the whole set: a receipt and its refund in one set are fine even
    where the refund alone would take the total below zero."""
    project = world.approved()
    ledger.post_many([
        ledger.entry(project=project, kind=E.REFUND, role="association",
                     amount=D("-500.00"), actor=world.alice),
        ledger.entry(project=project, kind=E.RECEIPT, role="association",
                     amount=D("500.00"), actor=world.alice)])
    project.refresh_from_db()
    assert project.received == D("0.00") and ledger.verify() == []
