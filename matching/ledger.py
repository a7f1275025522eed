"""The only code that writes money.

Every movement is a new `LedgerEntry`; the cached totals on projects, commitments, tranches and
envelopes move with it, in the same transaction, by updates that add to the stored value (like
`F()` updates) so that concurrent writers add up instead of overwriting each other. `post`
appends one entry; `post_many` appends a whole set (a bulk import) with one INSERT and one
UPDATE per table of totals, by the same rules. A mistake is undone by `reverse()`, never by
an edit: the database refuses UPDATE and DELETE on the ledger table.

`verify()` recomputes every cached total from the entries with aggregate queries, and the
regional summary rows (`models/summaries.py`, kept by the database from these totals in the
same transaction) from the totals, and reports each difference; the `verify_ledger` command
and a nightly task run it through `check()`, which keeps each run's result for the auditor
(`LedgerCheck`).
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import (ASSOCIATION_ROLE, BudgetEnvelope, Commitment, EntryKind, LedgerCheck,
                     LedgerEntry, Project, Tranche)

ZERO = Decimal("0.00")

# Which cached total each kind of entry moves (`_moves`). The fee paid to the transfer
# operator moves none: it is money the migrants spent, not money the project holds.
RECEIVED_KINDS = (EntryKind.RECEIPT, EntryKind.REFUND)
DISBURSED_KINDS = (EntryKind.DISBURSEMENT, EntryKind.CLAWBACK)


def entry(*, project: Project, kind: str, role: str, amount: Decimal, actor,
          commitment: Commitment | None = None, envelope: BudgetEnvelope | None = None,
          tranche: Tranche | None = None, receipt=None, original_amount: Decimal | None = None,
          original_currency: str = "", memo: str = "",
          reverses: LedgerEntry | None = None, evidence=None, value_date=None) -> LedgerEntry:
    """An entry not written yet, in the project's currency: `post_many` appends it.
    `value_date`: the day that fixes its value (a receipt's arrival, a payment's day)."""
    return LedgerEntry(
        project=project, kind=kind, role=role, amount=amount, currency=project.currency,
        commitment=commitment, envelope=envelope, tranche=tranche, receipt=receipt,
        original_amount=original_amount, original_currency=original_currency, memo=memo[:300],
        reverses=reverses, evidence=evidence, created_by=actor, value_date=value_date)


def post(**fields) -> LedgerEntry:
    """Append one entry (the arguments of `entry`) and move the cached totals it affects.

    The caller holds the project's row lock (and the envelope's, for reservations), so the
    checks it made before calling still hold; the database constraints are the last word.
    """
    return post_many([entry(**fields)])[0]


def post_many(entries: list[LedgerEntry], *, batch_size: int | None = None) \
        -> list[LedgerEntry]:
    """Append entries made by `entry` with one INSERT (per `batch_size` entries), then move
    the cached totals they affect with one UPDATE per table, each row by the sum of its
    entries: a handful of statements for any number of entries.

    The caller holds the row locks, as for `post`. The totals' constraints are checked once,
    after the whole set: entries that only add up (a receipt and its refund) pass together.
    """
    if any(e.amount == 0 for e in entries):
        raise ValueError("a ledger entry moves money: the amount cannot be zero")
    if not entries:
        return []
    created = LedgerEntry.objects.bulk_create(entries, batch_size=batch_size)
    _move_totals(created)
    return created


def reverse(entry: LedgerEntry, *, actor, memo: str) -> LedgerEntry:
    """Undo `entry` with an opposite entry of the same kind that points back to it."""
    return post(project=entry.project, kind=entry.kind, role=entry.role, amount=-entry.amount,
                actor=actor, commitment=entry.commitment, envelope=entry.envelope,
                tranche=entry.tranche, receipt=entry.receipt,
                original_amount=-entry.original_amount if entry.original_amount else None,
                original_currency=entry.original_currency, memo=memo, reverses=entry,
                value_date=entry.value_date)


def _moves(entry: LedgerEntry) -> list[tuple[type, int, str]]:
    """The cached totals one entry moves, as (model, row id, field): the only definition of
    which kind moves which total (`verify` recomputes the same from the entries)."""
    kind, moves = entry.kind, []
    if kind in RECEIVED_KINDS:
        moves.append((Project, entry.project_id, "received"))
    elif kind == EntryKind.MATCH:
        moves.append((Commitment, entry.commitment_id, "matched"))
        if entry.role != ASSOCIATION_ROLE:
            moves.append((Project, entry.project_id, "matched"))
    elif kind == EntryKind.RESERVATION:
        moves.append((Commitment, entry.commitment_id, "reserved"))
        if entry.envelope_id:
            moves.append((BudgetEnvelope, entry.envelope_id, "reserved"))
    elif kind in DISBURSED_KINDS:
        moves += [(Commitment, entry.commitment_id, "disbursed"),
                  (Project, entry.project_id, "disbursed")]
        if entry.tranche_id:
            moves.append((Tranche, entry.tranche_id, "disbursed"))
        if entry.envelope_id:
            moves.append((BudgetEnvelope, entry.envelope_id, "disbursed"))
    return moves


def _move_totals(entries: list[LedgerEntry]) -> None:
    sums = defaultdict(lambda: defaultdict(lambda: defaultdict(Decimal)))
    for e in entries:
        for model, pk, field in _moves(e):
            sums[model][field][pk] += e.amount
    for model, by_field in sums.items():
        _add(model, by_field)


def _add(model, by_field: dict[str, dict[int, Decimal]]) -> None:
    """UPDATE model SET field = field + sum, … for every row: one statement, the ids and the
    sums passed as arrays (one parameter per column, whatever the number of rows). It adds to
    the row's current value, like an F() update, so that concurrent writers add up."""
    quote, meta = connection.ops.quote_name, model._meta
    fields = sorted(by_field)
    ids = sorted({pk for sums in by_field.values() for pk in sums})
    columns = [quote(meta.get_field(name).column) for name in fields]
    pk = quote(meta.pk.column)
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET "
           + ", ".join(f"{c} = t.{c} + v.{c}" for c in columns)
           + " FROM unnest(%s::bigint[]" + ", %s::numeric[]" * len(columns) + ") AS v(id, "
           + ", ".join(columns) + f") WHERE t.{pk} = v.id AND t.{pk} = ANY(%s::bigint[])")
    # the ids twice: the second, a filter on the primary key, lets the planner find the rows
    # by its index; joined to the unnest alone it hashed the whole table, a cost that grew
    # with the data, not with the rows moved (bench/README.md, "Re-matching")
    params = [ids, *([by_field[name].get(i, ZERO) for i in ids] for name in fields), ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- verification -------------------------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    model: str
    pk: int
    field: str
    cached: Decimal
    ledger: Decimal

    def __str__(self):
        return (f"{self.model} #{self.pk} {self.field}: cached {self.cached}, "
                f"ledger says {self.ledger}")


def _ledger_sum(outer_field: str, kinds, *conditions: Q) -> Coalesce:
    entries = (LedgerEntry.objects.filter(*conditions, **{outer_field: OuterRef("pk")},
                                          kind__in=kinds)
               .order_by().values(outer_field).annotate(total=Sum("amount")).values("total"))
    return Coalesce(Subquery(entries), Value(ZERO))


def _differences(queryset, checks: dict[str, Coalesce]) -> list[Difference]:
    rows = queryset.annotate(**{f"ledger_{name}": expr for name, expr in checks.items()})
    mismatch = Q()
    for name in checks:
        mismatch |= ~Q(**{name: F(f"ledger_{name}")})
    found = []
    for row in rows.filter(mismatch).values("pk", *checks, *(f"ledger_{n}" for n in checks)):
        for name in checks:
            if row[name] != row[f"ledger_{name}"]:
                found.append(Difference(queryset.model.__name__, row["pk"], name, row[name],
                                        row[f"ledger_{name}"]))
    return found


def _summary_differences() -> list[Difference]:
    """The regional summary rows against a GROUP BY over the cached totals checked above
    (`regional_totals`): named by district, the figure saying which row."""
    from . import regional_totals

    return [Difference("RegionalTotal", key[0], f"{name} (scheme {key[1]}, {key[2]}, {key[3]}"
                       + "".join(f", {part}" for part in key[4:] if part) + ")", kept, want)
            for key, name, kept, want in regional_totals.differences()]


def verify() -> list[Difference]:
    """Every cached total that disagrees with the ledger, and every regional summary row
    that disagrees with the cached totals (an empty list when all agree)."""
    return [
        *_differences(Project.objects.all(), {
            "received": _ledger_sum("project", RECEIVED_KINDS),
            "matched": _ledger_sum("project", [EntryKind.MATCH], ~Q(role=ASSOCIATION_ROLE)),
            "disbursed": _ledger_sum("project", DISBURSED_KINDS),
        }),
        *_differences(Commitment.objects.all(), {
            "matched": _ledger_sum("commitment", [EntryKind.MATCH]),
            "reserved": _ledger_sum("commitment", [EntryKind.RESERVATION]),
            "disbursed": _ledger_sum("commitment", DISBURSED_KINDS),
        }),
        *_differences(Tranche.objects.all(), {
            "disbursed": _ledger_sum("tranche", DISBURSED_KINDS),
        }),
        *_differences(BudgetEnvelope.objects.all(), {
            "reserved": _ledger_sum("envelope", [EntryKind.RESERVATION]),
            "disbursed": _ledger_sum("envelope", DISBURSED_KINDS),
        }),
        *_summary_differences(),
    ]



def check(source: str) -> LedgerCheck:
    """Run `verify()` and keep its result with the time and who ran it (the nightly task or
    the command), for the auditor's page."""
    differences = verify()
    return LedgerCheck.objects.create(
        source=source, entries=LedgerEntry.objects.count(),
        differences=[{"model": d.model, "id": d.pk, "field": d.field, "cached": str(d.cached),
                      "ledger": str(d.ledger)} for d in differences])
