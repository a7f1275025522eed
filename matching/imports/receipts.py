"""Bulk import of receipts: columns project, amount, currency, received_on, reference, and
optionally fee and rate.

The receipt service's rules, file-wide: the clerk's scope, amounts and fee kept to the unit, a
reference, no date in the future, a project still taking money, a registered association on
the day, and the day's stored rate, or a rate in the file, marked as entered by hand unless it
is the stored one. A reference already recorded for the association (the receipt table's
unique key) is skipped, so a corrected file can be uploaded again safely.

Money is written by the service's rules, for the whole file at once: the same entries as
receipt_record (each receipt, and its fee) appended by one `ledger.post_many`, then every
project's match recomputed together (`recompute_many_locked`), all under the projects' row
locks; one `receipt.recorded` outbox event per receipt. A handful of statements for the
ledger, whatever the number of rows.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import bounds, ledger, outbox
from ..models import ExchangeRate, ImportKind, OutboxMessage, Receipt, ReceiptStatus
from ..services.approvals import recompute_many_locked
from ..jobs.progress import NO_PROGRESS
from ..services.money import receipt_entries
from . import checks
from .engine import BULK, Row
from .readers import parse_date, read_rows, require_columns

KIND = ImportKind.RECEIPTS
WRITE_CHUNK = 5000
STEPS = 4  # reading, checking, writing, matching
COLUMNS = ["project", "amount", "currency", "received_on", "reference"]


def read(filename: str, content: bytes):
    rows = read_rows(filename, content)
    require_columns(rows, COLUMNS)
    return rows


def _stored_rates(raw_rows) -> dict[tuple, Decimal]:
    currencies_ = {r.get("currency", "").strip().upper() for _l, r in raw_rows}
    days = {d for d in (parse_date(r.get("received_on", "")) for _l, r in raw_rows) if d}
    return {(x.currency, x.quote_currency, x.on): x.rate for x in ExchangeRate.objects.filter(
        currency__in=currencies_, on__in=days)}


def _rate(row: Row, text: str, currency: str, quote: str, on, stored) -> tuple:
    """(rate, entered by hand) as receipt_record decides it."""
    if currency == quote:
        return Decimal("1"), False
    known = stored.get((currency, quote, on))
    if not text:
        if known is None:
            row.fail("rate", _("No %(c)s rate is stored for %(day)s: enter the rate of the "
                               "day.") % {"c": currency, "day": on.isoformat()})
        return known, False
    entered = checks.rate(row, text)
    if entered is None:
        return None, False
    return entered, known is None or known != entered


def validate(raw_rows, actor, progress=NO_PROGRESS) -> list[Row]:
    today = timezone.localdate()
    projects = checks.lock_projects({r.get("project", "") for _line, r in raw_rows}, actor,
                                    "receipt")
    stored = _stored_rates(raw_rows)
    rows, seen, running = [], {}, {}
    for line, raw in progress.rows(raw_rows):
        row = Row(line=line)
        found = checks.project(row, raw.get("project", ""), projects)
        currency = checks.currency(row, raw.get("currency", ""))
        amount = checks.amount(row, raw.get("amount", ""), currency, "amount") \
            if currency else None
        fee = checks.amount(row, raw.get("fee") or "0", currency, "fee", positive=False) \
            if currency else None
        checks.fee(row, fee, amount)
        reference = raw.get("reference", "").strip()
        if not reference or len(reference) > 60:
            row.fail("reference", _("Give the bank or transfer reference (60 characters at "
                                    "most)."))
        checks.text(row, "reference", reference)
        received_on = parse_date(raw.get("received_on", ""))
        if received_on is None:
            row.fail("received_on", _("Give the date as YYYY-MM-DD or DD.MM.YYYY."))
        else:
            checks.date(row, "received_on", received_on, "received", today)
        rate = by_hand = None
        if found is not None and received_on is not None and currency:
            checks.registration(row, found, received_on)
            rate, by_hand = _rate(row, raw.get("rate", "").strip(), currency, found.currency,
                                  received_on, stored)
        converted = checks.converted(row, amount, rate, found.currency) \
            if not row.errors else None
        if not row.errors:
            key = (found.association_id, reference)
            if key in seen:
                row.fail("reference", _("Reference also on line %(line)s.") % {
                    "line": seen[key]})
            seen.setdefault(key, line)
            # held as the service holds it: the project's money so far, this file's earlier
            # rows counted, far beyond its cost (bounds.hold_receipt)
            so_far = running.get(found.pk, found.received)
            held = bounds.hold_receipt(received=so_far, converted=converted, cost=found.cost)
            if not held:
                running[found.pk] = so_far + converted
            row.data = {"project": found, "amount": amount, "currency": currency, "fee": fee,
                        "received_on": received_on, "reference": reference, "rate": rate,
                        "by_hand": by_hand, "converted": converted, "held": held}
        rows.append(row)
    _skip_recorded(rows)
    return rows


def _skip_recorded(rows: list[Row]) -> None:
    keys = {(r.data["project"].association_id, r.data["reference"]) for r in rows if r.data}
    recorded = set(Receipt.objects.filter(
        association_id__in={a for a, _r in keys}, reference__in={r for _a, r in keys})
        .values_list("association_id", "reference"))
    for row in rows:
        if row.data and not row.errors:
            row.skipped = (row.data["project"].association_id, row.data["reference"]) \
                in recorded


def write(valid: list[Row], actor, batch, progress=NO_PROGRESS) -> list[int]:
    # Foreign keys checked as each statement ends, not at commit: every row here is written
    # after the rows it names, and in PostgreSQL the statements that triggers run (the
    # audit's, one per receipt and per total moved) slow down as the queue of checks waiting
    # for the commit grows (100,000 rows on the bench database: 156 s deferred, 59 s checked
    # as written). The deferrable constraints are Django's foreign keys, initially deferred,
    # and the fold of the regional summary rows, which stays at commit (`_set_constraints`):
    # set back at the end (after an error, the rollback of the transaction or
    # savepoint restores the setting).
    _set_constraints("IMMEDIATE")
    receipts = []
    # in chunks, each counted on the job's progress (a cancel between two rolls all back)
    for start in range(0, len(valid), WRITE_CHUNK):
        chunk = valid[start:start + WRITE_CHUNK]
        written = Receipt.objects.bulk_create([
            Receipt(project=r.data["project"], association_id=r.data["project"].association_id,
                    received_on=r.data["received_on"], amount=r.data["amount"],
                    currency=r.data["currency"], rate=r.data["rate"],
                    rate_entered_by_hand=r.data["by_hand"], fee=r.data["fee"],
                    reference=r.data["reference"], recorded_by=actor,
                    converted=r.data["converted"],
                    status=ReceiptStatus.HELD if r.data["held"] else ReceiptStatus.RECORDED)
            for r in chunk], batch_size=BULK)
        # a held receipt (far beyond its project's cost) counts only once confirmed
        ledger.post_many([entry for row, receipt in zip(chunk, written) if not row.data["held"]
                          for entry in receipt_entries(row.data["project"], receipt, actor)],
                         batch_size=BULK)
        receipts += written
        progress.advance(len(chunk))
    projects = {row.data["project"].pk: row.data["project"] for row in valid
                if not row.data["held"]}
    progress.step("matching", total=None)
    recompute_many_locked([projects[pk] for pk in sorted(projects)], actor=actor,
                          reason="receipts imported")
    OutboxMessage.objects.bulk_create([
        OutboxMessage(topic="receipt.held" if r.status == ReceiptStatus.HELD
                      else "receipt.recorded", payload={
                          "project_id": r.project_id, "receipt_id": r.pk,
                          "import_batch_id": batch.pk})
        for r in receipts], batch_size=BULK)
    transaction.on_commit(outbox.relay_soon, robust=True)
    _set_constraints("DEFERRED")
    return [r.pk for r in receipts]


def _set_constraints(when: str) -> None:
    """`when` for every deferrable constraint but the fold of the regional summary rows,
    which locks them at commit, last, in key order (`models/summaries.py`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS ALL {when}; "
                       "SET CONSTRAINTS matching_regional_fold DEFERRED")
