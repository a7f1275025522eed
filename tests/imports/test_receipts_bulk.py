"""The receipts import writes money set-based (ledger.post_many, one recomputation for all the
file's projects) to the same result as the receipt service, in a number of statements that
does not grow with the file, under the same project locks, with the same audit trail."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from matching import ledger, services
from matching import models as m
from matching.imports import run_import

from ..concurrency import race
from ..factories import UserFactory
from .test_imports import ALL, receipts_csv

TODAY = datetime.date.today()
RATE = Decimal("151.40")
# per project: (amount, currency, fee, rate as written in the file)
RECEIPTS = [
    [("15000000.00", "UZS", "0", ""), ("50000.00", "RUB", "1000.00", "")],  # funded
    [("10000.00", "RUB", "0", "150"), ("1000000.00", "UZS", "5000.00", "")],
    [("500000.00", "UZS", "0", "")],
]


@pytest.fixture
def many(world):
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(
        amount=Decimal("200000000.00"))
    m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS", on=TODAY, rate=RATE)
    return world


def _file(projects, tag: str) -> bytes:
    return receipts_csv(*[
        [project.code, amount, currency, TODAY.isoformat(), f"{tag}-{i}-{j}", fee, rate]
        for i, project in enumerate(projects)
        for j, (amount, currency, fee, rate) in enumerate(RECEIPTS[i])])


def _money(project):
    project.refresh_from_db()
    entries = sorted(m.LedgerEntry.objects.filter(project=project, kind__in=["receipt", "fee"])
                     .values_list("kind", "role", "amount", "original_amount",
                                  "original_currency", "created_by_id"))
    commitments = list(project.commitments.order_by("position").values_list(
        "role", "target", "matched", "reserved", "disbursed", "bound_by"))
    return (project.received, project.matched, project.disbursed, project.status, entries,
            commitments)


def test_an_import_over_several_projects_agrees_with_the_service_and_the_ledger(many):
    world = many
    imported = [world.approved(title=f"Pipe {i}") for i in range(3)]
    by_service = [world.approved(title=f"Twin {i}") for i in range(3)]
    batch, created = run_import(kind="receipts", filename="r.csv", actor=world.alice,
                                content=_file(imported, "BANK"), mode=ALL)
    assert created and (batch.status, batch.rows_created) == ("imported", 5)
    for i, project in enumerate(by_service):
        for j, (amount, currency, fee, rate) in enumerate(RECEIPTS[i]):
            services.receipt_record(project=project, actor=world.alice, amount=amount,
                                    currency=currency, received_on=TODAY, fee=fee,
                                    rate=rate or None, reference=f"SVC-{i}-{j}")
    assert ledger.verify() == []
    for mine, theirs in zip(imported, by_service):
        assert _money(mine) == _money(theirs)
    assert [p.status for p in imported] == ["funded", "funding", "funding"]
    assert imported[0].received == Decimal("22570000.00")  # 15,000,000 + 50,000 x 151.40
    assert m.LedgerEntry.objects.filter(project__in=imported, kind="fee").count() == 2
    # one recomputation per project, all by the importer
    records = m.MatchRecord.objects.filter(project__in=imported, reason="receipts imported")
    assert sorted(records.values_list("project_id", flat=True)) == sorted(
        p.pk for p in imported)
    assert set(records.values_list("created_by_id", flat=True)) == {world.alice.pk}
    events = m.OutboxMessage.objects.filter(topic="receipt.recorded",
                                            payload__import_batch_id=batch.pk)
    assert events.count() == 5


def test_the_audit_trail_names_the_importer(many):
    world = many
    projects = [world.approved(title=f"Pipe {i}") for i in range(3)]
    audited = [m.Project, m.Receipt, m.Commitment, m.StatusChange]
    since = {model: model.pgh_event_model.objects.order_by("-pgh_id").values_list(
        "pgh_id", flat=True).first() or 0 for model in audited}
    run_import(kind="receipts", filename="r.csv", actor=world.alice,
               content=_file(projects, "BANK"), mode=ALL)
    for model in audited:  # received and matched moved, receipts recorded, one project funded
        events = model.pgh_event_model.objects.filter(pgh_id__gt=since[model])
        assert events.exists()
        assert {(e.pgh_context.metadata["user"], e.pgh_context.metadata["service"])
                for e in events} == {(world.alice.pk, "import_receipts")}
    # every project's money moved in the audit: its last snapshot holds the final totals
    for project in projects:
        project.refresh_from_db()
        last = m.Project.pgh_event_model.objects.filter(pgh_obj=project).latest("pgh_id")
        assert (last.received, last.matched) == (project.received, project.matched)
    entries = m.LedgerEntry.objects.filter(project__in=projects).exclude(kind="reservation")
    assert set(entries.values_list("created_by_id", flat=True)) == {world.alice.pk}


def test_the_number_of_statements_does_not_grow_with_the_rows(many):
    world = many
    projects = [world.approved(title=f"Pipe {i}") for i in range(3)]

    def statements(rows: int, tag: str) -> list[str]:
        content = receipts_csv(*[
            [projects[n % 3].code, f"{1000 + n}.00", "RUB" if n % 2 else "UZS",
             TODAY.isoformat(), f"{tag}-{n}", "10.00" if n % 2 else "0", ""]
            for n in range(rows)])
        with transaction.atomic():  # a savepoint, rolled back: each run from the same state
            with CaptureQueriesContext(connection) as captured:
                batch, _ = run_import(kind="receipts", filename="r.csv", content=content,
                                      actor=world.alice, mode=ALL)
            assert batch.rows_created == rows and ledger.verify() == []
            transaction.set_rollback(True)
        return [q["sql"] for q in captured.captured_queries]

    five, fifty = statements(5, "A"), statements(50, "B")
    assert len(five) == len(fifty)
    # the ledger: one INSERT for the receipts and fees, one for the matches; each total
    # (received, then matched) moved by one UPDATE for all the projects
    assert sum('INSERT INTO "matching_ledgerentry"' in sql for sql in fifty) == 2
    assert sum(sql.lstrip().startswith("UPDATE") or "; UPDATE" in sql
               for sql in fifty if "matching_project" in sql.split("SET")[0]) == 2
    # the projects are locked, in one statement, before anything is written (FOR NO KEY
    # UPDATE: a reminder planned for one of them meanwhile need not wait, see checks.py)
    lock = next(i for i, sql in enumerate(fifty)
                if 'FOR NO KEY UPDATE OF "matching_project"' in sql)
    first_write = next(i for i, sql in enumerate(fifty) if "INSERT INTO" in sql)
    assert lock < first_write


@pytest.mark.django_db(transaction=True)
def test_imports_and_the_service_racing_on_the_same_projects_add_up(many):
    """Two clerks' files naming the same projects (in opposite orders) and a receipt typed
    in by hand, at the same moment: the projects' locks put them one after the other."""
    world = many
    alma = UserFactory(username="alma", role=m.Role.CLERK, mahallas=[world.mahalla_a])
    projects = [world.approved(title=f"Pipe {i}") for i in range(3)]

    def rows(tag, order):
        return receipts_csv(*[[projects[i].code, "100000.00", "UZS", TODAY.isoformat(),
                               f"{tag}-{n}-{i}", "0", ""]
                              for n in range(4) for i in order])

    results = race([
        lambda: run_import(kind="receipts", filename="a.csv", actor=world.alice, mode=ALL,
                           content=rows("A", [0, 1, 2])),
        lambda: run_import(kind="receipts", filename="b.csv", actor=alma, mode=ALL,
                           content=rows("B", [2, 1, 0])),
        lambda: services.receipt_record(project=projects[1], actor=world.alice,
                                        amount=Decimal("100000.00"), currency="UZS",
                                        received_on=TODAY, reference="BY-HAND"),
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    expected = {0: Decimal("800000.00"), 1: Decimal("900000.00"), 2: Decimal("800000.00")}
    for i, project in enumerate(projects):
        project.refresh_from_db()
        assert project.received == expected[i]
        assert project.commitments.get(role="district").matched == expected[i]
    assert ledger.verify() == []
