"""The regional summary rows (`models/summaries.RegionalTotal`): kept by the database in the
writers' transactions, folded at commit, filled by the migration from the existing totals,
and checked by `verify_ledger`, which names a tampered row."""

import importlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from matching import ledger, regional_totals
from matching import models as m
from matching import services
from matching.reports.common import Filters
from matching.reports.regional import regional_report

MIGRATION = importlib.import_module("matching.migrations.0025_regional_totals")


def _pending() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM matching_regionalpending")
        return cursor.fetchone()[0]


def _row(district, role="", pledge_currency="", status=None) -> dict:
    rows = m.RegionalTotal.objects.filter(district=district, role=role,
                                          pledge_currency=pledge_currency)
    if status:
        rows = rows.filter(status=status)
    return {k: sum((getattr(r, k) for r in rows), Decimal(0))
            for k in ("projects", "received", "matched", "disbursed", "pledged")}


def test_writes_wait_as_pending_changes_and_fold_at_commit_into_rows(programme):
    w = programme.world
    # the programme's writes are pending in this (test) transaction, and already read
    assert _pending() > 0
    regional_totals.fold_now()
    assert _pending() == 0
    a, b = _row(w.district_a), _row(w.district_b)
    assert (a["projects"], a["received"], a["matched"], a["disbursed"]) == (
        1, Decimal("10000000"), Decimal("10000000"), Decimal("8000000"))
    assert (b["projects"], b["received"]) == (2, Decimal("30000000"))
    assert _row(w.district_a, role="district")["disbursed"] == Decimal("8000000")
    assert _row(w.district_a, pledge_currency="RUB")["pledged"] == Decimal("250000")
    assert ledger.verify() == []


def test_a_state_change_moves_the_project_with_its_money_and_pledges(programme):
    w = programme.world
    regional_totals.fold_now()
    services.project_suspend(project=programme.p1, actor=w.bob, reason="Audit")
    regional_totals.fold_now()
    assert _row(w.district_a, status="suspended")["projects"] == 1
    assert _row(w.district_a, status="suspended")["received"] == Decimal("10000000")
    assert _row(w.district_a, role="district", status="suspended")["disbursed"] == \
        Decimal("8000000")
    assert _row(w.district_a, pledge_currency="RUB", status="suspended")["pledged"] == \
        Decimal("250000")
    assert _row(w.district_a, status="funding")["projects"] == 0
    assert _row(w.district_a, role="district", status="funding")["disbursed"] == 0
    assert ledger.verify() == []


def test_verify_ledger_names_a_tampered_summary_row(programme):
    regional_totals.fold_now()
    call_command("verify_ledger")  # agrees
    row = m.RegionalTotal.objects.filter(role="district").exclude(matched=0).first()
    m.RegionalTotal.objects.filter(pk=row.pk).update(matched=F("matched") + 1)
    with pytest.raises(CommandError, match="1 cached totals disagree"):
        call_command("verify_ledger")
    check = m.LedgerCheck.objects.latest("pk")
    assert [(d["model"], d["id"], d["cached"], d["ledger"]) for d in check.differences] == [
        ("RegionalTotal", row.district_id, str(row.matched + 1), str(row.matched))]
    assert "district" in check.differences[0]["field"]


def test_a_missing_summary_row_is_found_too(programme):
    regional_totals.fold_now()
    m.RegionalTotal.objects.filter(pledge_currency="RUB").delete()
    found = ledger.verify()
    assert [(d.model, d.ledger) for d in found] == [("RegionalTotal", Decimal("250000.00"))]


def test_the_migration_fills_the_rows_from_the_existing_totals(programme):
    regional_totals.fold_now()
    before = sorted(m.RegionalTotal.objects.exclude(
        projects=0, received=0, matched=0, disbursed=0, pledged=0).values_list(
        "district", "scheme", "currency", "status", "role", "pledge_currency", "projects",
        "received", "matched", "disbursed", "pledged"))
    m.RegionalTotal.objects.all().delete()
    assert ledger.verify() != []
    with connection.cursor() as cursor:
        cursor.execute(MIGRATION.FILL)
    assert ledger.verify() == []
    after = sorted(m.RegionalTotal.objects.values_list(
        "district", "scheme", "currency", "status", "role", "pledge_currency", "projects",
        "received", "matched", "disbursed", "pledged"))
    assert after == before and len(after) >= 6


def test_the_report_reads_summary_rows_in_seven_queries(programme,
                                                        django_assert_max_num_queries):
    w = programme.world
    regional_totals.fold_now()
    # country, the schemes, the parties, the districts, their mahallas, the summary rows,
    # the complaints: the same whatever the number of projects
    with django_assert_max_num_queries(7):
        report = regional_report(Filters(year=w.scheme.fiscal_year, scheme=w.scheme.code))
    rows = {r["name"]: r for r in report.table("districts").rows}
    assert rows["Chirchiq"]["matched"] == Decimal("10000000")


def test_a_mahalla_moved_to_another_district_takes_its_projects_along(programme):
    w = programme.world
    regional_totals.fold_now()
    before_a = _row(w.district_a)
    assert before_a["projects"] == 1
    # the geography loader's way: the mahalla's district column changes
    m.Mahalla.objects.filter(pk=w.mahalla_a.pk).update(district=programme.district_c)
    regional_totals.fold_now()
    assert _row(w.district_a)["projects"] == 0
    assert _row(programme.district_c) == before_a
    assert _row(programme.district_c, role="district")["disbursed"] == Decimal("8000000")
    assert _row(programme.district_c, pledge_currency="RUB")["pledged"] == Decimal("250000")
    assert ledger.verify() == []
