"""Bulk import of pledges: columns project, amount, currency, expected_on.

The pledge service's rules (the user's scope, a positive amount in a known currency kept to the
unit, a project still taking money, an association whose registration is valid today) applied
to the whole file with set-based queries, then bulk inserts. Like the service, each pledge gets
a `pledge.created` outbox event in the same transaction. Pledges write no ledger entry: a pledge
is a promise, not money; the ledger moves when the receipt arrives.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import outbox
from ..models import ImportKind, ImportRow, OutboxMessage, Pledge, RowOutcome
from . import checks
from .engine import BULK, Row
from .readers import parse_date, read_rows, require_columns

KIND = ImportKind.PLEDGES
COLUMNS = ["project", "amount", "currency", "expected_on"]


def read(filename: str, content: bytes):
    rows = read_rows(filename, content)
    require_columns(rows, COLUMNS)
    return rows


def validate(raw_rows, actor) -> list[Row]:
    today = timezone.localdate()
    projects = checks.lock_projects({r.get("project", "") for _line, r in raw_rows})
    allowed = checks.scope_check(actor)
    rows, seen = [], {}
    for line, raw in raw_rows:
        row = Row(line=line)
        code = raw.get("project", "")
        found = checks.project(row, code, projects, allowed)
        currency = checks.currency(row, raw.get("currency", ""))
        amount = checks.amount(row, raw.get("amount", ""), currency, "amount") \
            if currency else None
        expected_on = parse_date(raw.get("expected_on", ""))
        if expected_on is None:
            row.fail("expected_on", _("Give the date as YYYY-MM-DD or DD.MM.YYYY."))
        if found is not None:
            checks.registration(row, found, today)
        if not row.errors:
            row.key = checks.content_key(KIND, found.pk, format(amount, "f"), currency,
                                         expected_on)
            if row.key in seen:
                row.fail("line", _("Same pledge as line %(line)s.") % {"line": seen[row.key]})
            seen.setdefault(row.key, line)
            row.data = {"project": found, "amount": amount, "currency": currency,
                        "expected_on": expected_on}
        rows.append(row)
    done = set(ImportRow.objects.filter(kind=KIND, outcome=RowOutcome.CREATED,
                                        key__in=[r.key for r in rows if r.key])
               .values_list("key", flat=True))
    for row in rows:
        row.skipped = not row.errors and row.key in done
    return rows


def write(valid: list[Row], actor, batch) -> list[int]:
    pledges = Pledge.objects.bulk_create([
        Pledge(project=r.data["project"], association_id=r.data["project"].association_id,
               amount=r.data["amount"], currency=r.data["currency"],
               expected_on=r.data["expected_on"], announced_by=actor) for r in valid],
        batch_size=BULK)
    OutboxMessage.objects.bulk_create([
        OutboxMessage(topic="pledge.created", payload={"project_id": p.project_id,
                                                       "pledge_id": p.pk,
                                                       "import_batch_id": batch.pk})
        for p in pledges], batch_size=BULK)
    transaction.on_commit(outbox.relay_soon, robust=True)
    return [p.pk for p in pledges]
