"""Bulk imports: validated row by row, all or nothing (or only the valid rows, at the
user's choice), idempotent by file and by row, in the user's scope only."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook

from matching import models as m
from matching import outbox
from matching.errors import Forbidden
from matching.imports import run_import

TODAY = datetime.date.today()
ALL, VALID = m.ImportMode.ALL_OR_NOTHING, m.ImportMode.VALID_ROWS


def csv_bytes(header, *rows) -> bytes:
    return "\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)]).encode()


def pledges_csv(*rows):
    return csv_bytes(["project", "amount", "currency", "expected_on"], *rows)


def receipts_csv(*rows):
    return csv_bytes(["project", "amount", "currency", "received_on", "reference", "fee",
                      "rate"], *rows)


def written():
    return (m.Pledge.objects.count(), m.Receipt.objects.count(), m.LedgerEntry.objects.count(),
            m.OutboxMessage.objects.count(), m.ExchangeRate.objects.count())


def test_pledges_import_writes_pledges_and_their_events(world):
    a, b = world.submitted(), world.submitted(title="Second")
    content = pledges_csv([a.code, "250000.00", "RUB", TODAY.isoformat()],
                          [b.code, "1000", "usd", TODAY.strftime("%d.%m.%Y")])
    batch, created = run_import(kind="pledges", filename="p.csv", content=content,
                                actor=world.alice, mode=ALL)
    assert created and (batch.status, batch.rows_created) == ("imported", 2)
    pledges = m.Pledge.objects.order_by("id")
    assert [(p.project, p.amount, p.currency, p.association, p.announced_by) for p in pledges] \
        == [(a, Decimal("250000.00"), "RUB", world.association, world.alice),
            (b, Decimal("1000.00"), "USD", world.association, world.alice)]
    # one event for the file, not one per row; the clerk hears once per project
    assert not m.OutboxMessage.objects.filter(topic="pledge.created").exists()
    event = m.OutboxMessage.objects.get(topic="pledges.imported")
    assert event.payload == {"import_batch_id": batch.pk}
    for _twice in range(2):  # processed twice: nothing twice
        m.OutboxMessage.objects.filter(pk=event.pk).update(processed_at=None)
        outbox.process(event.pk)
    assert sorted(m.Reminder.objects.filter(kind="pledge_announced").values_list(
        "recipient__username", "subject_id")) == [("alice", p.pk) for p in pledges]
    # the audit trail names the importer, as the service would
    audit = m.Pledge.pgh_event_model.objects.filter(pgh_obj=pledges[0]).get()
    assert audit.pgh_context.metadata["user"] == world.alice.pk


def test_a_bad_row_writes_nothing_and_is_reported(world):
    a = world.submitted()
    before = written()
    content = pledges_csv([a.code, "100", "RUB", TODAY.isoformat()],
                          [a.code, "-5", "RUB", TODAY.isoformat()],
                          [a.code, "1.005", "RUB", "tomorrow"],
                          ["NO-SUCH", "100", "XXX", TODAY.isoformat()])
    batch, _ = run_import(kind="pledges", filename="p.csv", content=content, actor=world.alice,
                          mode=ALL)
    assert written() == before
    assert (batch.status, batch.rows_failed, batch.rows_created) == ("refused", 3, 0)
    rows = {r.line: r for r in batch.rows.all()}
    assert rows[2].outcome == "not_imported"
    assert "amount" in rows[3].errors and set(rows[4].errors) == {"amount", "expected_on"}
    assert set(rows[5].errors) == {"project", "currency"}


def test_valid_rows_only_at_the_users_choice_then_the_fixed_file_adds_only_the_rest(world):
    a = world.submitted()
    first = pledges_csv([a.code, "100", "RUB", TODAY.isoformat()],
                        [a.code, "0", "RUB", TODAY.isoformat()])
    batch, _ = run_import(kind="pledges", filename="p.csv", content=first, actor=world.alice,
                          mode=VALID)
    assert (batch.status, batch.rows_created, m.Pledge.objects.count()) == ("partial", 1, 1)
    fixed = pledges_csv([a.code, "100", "RUB", TODAY.isoformat()],
                        [a.code, "50", "RUB", TODAY.isoformat()])
    batch, _ = run_import(kind="pledges", filename="p2.csv", content=fixed, actor=world.alice,
                          mode=ALL)
    assert (batch.rows_skipped, batch.rows_created) == (1, 1)
    assert sorted(m.Pledge.objects.values_list("amount", flat=True)) == [Decimal("50.00"),
                                                                        Decimal("100.00")]


def test_the_same_file_twice_writes_nothing_new(world):
    a = world.submitted()
    content = pledges_csv([a.code, "100", "RUB", TODAY.isoformat()])
    first, created = run_import(kind="pledges", filename="p.csv", content=content,
                                actor=world.alice, mode=ALL)
    before = written()
    again, created_again = run_import(kind="pledges", filename="copy.csv", content=content,
                                      actor=world.alice, mode=VALID)
    assert (created, created_again, again.pk) == (True, False, first.pk)  # another user's: see
    # tests/imports/test_import_dedupe.py
    assert written() == before and m.ImportBatch.objects.count() == 1


def test_clerk_cannot_import_into_another_mahalla(world):
    theirs = world.submitted(mahalla=world.mahalla_b)
    batch, _ = run_import(kind="pledges", filename="p.csv", actor=world.alice, mode=VALID,
                          content=pledges_csv([theirs.code, "100", "RUB", TODAY.isoformat()]))
    assert batch.rows_failed == 1 and not m.Pledge.objects.exists()
    assert "No project" in batch.rows.get().errors["project"][0]


@pytest.mark.parametrize("kind, user", [
    ("pledges", "bob"), ("pledges", "admin"), ("pledges", "auditor"),
    ("receipts", "bob"), ("receipts", "admin"), ("receipts", "migrant"),
    ("receipts", "auditor"), ("rates", "alice"), ("rates", "migrant")])
def test_only_those_who_may_record_import(world, kind, user):
    """One policy: a file of pledges or receipts is imported by whoever may record them on a
    page (clerks; associations pledge too), exchange rates by administrators alone."""
    with pytest.raises(Forbidden):
        run_import(kind=kind, filename="p.csv", content=b"x", actor=getattr(world, user),
                   mode=ALL)


def test_an_association_imports_pledges_only_for_its_own_projects(world):
    own, other = world.submitted(), world.submitted(mahalla=world.mahalla_b)
    m.Project.objects.filter(pk=other.pk).update(association=world.other_association)
    batch, _ = run_import(kind="pledges", filename="p.csv", actor=world.migrant, mode=VALID,
                          content=pledges_csv([own.code, "100", "RUB", TODAY.isoformat()],
                                              [other.code, "100", "RUB", TODAY.isoformat()]))
    assert list(m.Pledge.objects.values_list("project", flat=True)) == [own.pk]
    assert "No project" in batch.rows.get().errors["project"][0]


def test_lapsed_association_cannot_pledge_by_import(world):
    a = world.submitted()
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        valid_until=TODAY - datetime.timedelta(days=1))
    batch, _ = run_import(kind="pledges", filename="p.csv", actor=world.alice, mode=ALL,
                          content=pledges_csv([a.code, "100", "RUB", TODAY.isoformat()]))
    assert batch.status == "refused" and "lapsed" in batch.rows.get().errors["project"][0]


def test_xlsx_pledges(world):
    a = world.submitted()
    book = Workbook()
    sheet = book.active
    sheet.append(["Project", "Amount", "Currency", "Expected on"])
    sheet.append([a.code, 1500.5, "RUB", TODAY])
    out = io.BytesIO()
    book.save(out)
    batch, _ = run_import(kind="pledges", filename="p.xlsx", content=out.getvalue(),
                          actor=world.alice, mode=ALL)
    assert batch.status == "imported"
    assert m.Pledge.objects.get().amount == Decimal("1500.50")


def test_receipts_import_posts_the_ledger_and_recomputes_the_match(world):
    project = world.approved()
    m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS", on=TODAY,
                                  rate=Decimal("151.40"))
    content = receipts_csv([project.code, "100000.00", "RUB", TODAY.isoformat(), "T-1", "2000",
                            ""],
                           [project.code, "100000.00", "RUB", TODAY.isoformat(), "T-2", "0",
                            "150"])
    batch, _ = run_import(kind="receipts", filename="r.csv", content=content, actor=world.alice,
                          mode=ALL)
    assert batch.status == "imported"
    first, second = m.Receipt.objects.order_by("reference")
    assert (first.converted, first.rate_entered_by_hand) == (Decimal("15140000.00"), False)
    assert (second.converted, second.rate_entered_by_hand) == (Decimal("15000000.00"), True)
    project.refresh_from_db()
    assert project.received == Decimal("30140000.00")
    assert project.matched == Decimal("20000000.00")  # capped at the district's target
    assert m.LedgerEntry.objects.filter(kind="fee").get().amount == Decimal("302800.00")
    from matching import ledger
    assert ledger.verify() == []
    assert m.OutboxMessage.objects.filter(topic="receipt.recorded").count() == 2


def test_receipt_without_a_rate_of_the_day_is_refused(world):
    project = world.approved()
    before = written()
    batch, _ = run_import(kind="receipts", filename="r.csv", actor=world.alice, mode=ALL,
                          content=receipts_csv([project.code, "100", "RUB", TODAY.isoformat(),
                                                "T-9", "", ""],
                                               [project.code, "100", "UZS",
                                                (TODAY + datetime.timedelta(days=1)).isoformat(),
                                                "T-10", "", ""]))
    assert written() == before
    errors = {r.line: r.errors for r in batch.rows.all()}
    assert "rate" in errors[2] and "received_on" in errors[3]


def test_receipt_rows_whose_conversion_cannot_be_kept_are_refused_not_a_500(world):
    project = world.approved()
    before = written()
    batch, _ = run_import(kind="receipts", filename="r.csv", actor=world.alice, mode=ALL,
                          content=receipts_csv(
                              [project.code, "0.01", "USD", TODAY.isoformat(), "T-1", "",
                               "0.0001"],
                              [project.code, "900000000000000", "USD", TODAY.isoformat(),
                               "T-2", "", "12650"],
                              [project.code, "100", "USD", TODAY.isoformat(), "T-3", "",
                               "10000000000000"]))
    assert written() == before
    errors = {r.line: r.errors for r in batch.rows.all()}
    assert list(errors[2]) == ["amount"] and list(errors[3]) == ["amount"]
    assert list(errors[4]) == ["rate"]


def test_receipt_references_already_recorded_are_skipped(world):
    project = world.approved()
    world.receipt(project, "1000.00", reference="BANK-1")
    batch, _ = run_import(kind="receipts", filename="r.csv", actor=world.alice, mode=ALL,
                          content=receipts_csv([project.code, "1000.00", "UZS",
                                                TODAY.isoformat(), "BANK-1", "", ""],
                                               [project.code, "500.00", "UZS",
                                                TODAY.isoformat(), "BANK-2", "", ""],
                                               [project.code, "500.00", "UZS",
                                                TODAY.isoformat(), "BANK-2", "", ""]))
    assert batch.status == "refused"  # BANK-2 twice in the file
    assert m.Receipt.objects.count() == 1
    assert {r.line: r.outcome for r in batch.rows.all()} == {2: "skipped", 3: "not_imported",
                                                             4: "failed"}


def test_pledge_import_of_thousands_of_rows_runs_a_constant_number_of_queries(
        world, django_assert_max_num_queries):
    project = world.submitted()
    rows = [[project.code, f"{n}.00", "RUB", TODAY.isoformat()] for n in range(1, 3001)]
    with django_assert_max_num_queries(40):
        batch, _ = run_import(kind="pledges", filename="many.csv", content=pledges_csv(*rows),
                              actor=world.alice, mode=ALL)
    assert batch.rows_created == 3000 == m.Pledge.objects.count()


@pytest.mark.parametrize("kind, content", [
    ("pledges", b"project,amount,currency,expected_on\nUZ\x00X,1.00,RUB,2026-12-01\n"),
    ("receipts", b"project,amount,currency,received_on,reference,fee,rate\n"
                 b"X,1.00,UZS,2026-11-01,R\x00,0,\n"),
    ("rates", b"code;rate;date\nRUB\x00;151,40;01.11.2026\n"),
], ids=["pledges", "receipts", "rates"])
def test_a_file_with_nul_bytes_is_refused_not_a_500(world, kind, content):
    from matching.errors import InvalidInput

    before = written()
    with pytest.raises(InvalidInput, match="NUL"):
        actor = world.admin if kind == "rates" else world.alice
        run_import(kind=kind, filename="f.csv", content=content, actor=actor, mode=ALL)
    assert written() == before
    assert not m.ImportBatch.objects.exists()
