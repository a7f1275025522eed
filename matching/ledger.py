"""The only code that writes money.

Every movement is a new `LedgerEntry`; the cached totals on projects, commitments, tranches and
envelopes move with it, in the same transaction, through `F()` updates so that concurrent
writers add up instead of overwriting each other. A mistake is undone by `reverse()`, never by
an edit: the database refuses UPDATE and DELETE on the ledger table.

`verify()` recomputes every cached total from the entries with aggregate queries and reports
each difference; the `verify_ledger` command and a nightly task run it.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import (ASSOCIATION_ROLE, BudgetEnvelope, Commitment, EntryKind, LedgerEntry,
                     Project, Tranche)

ZERO = Decimal("0.00")

# Which cached total each kind of entry moves. `None`: an informational entry (the fee paid
# to the transfer operator is money the migrants spent, not money the project holds).
RECEIVED_KINDS = (EntryKind.RECEIPT, EntryKind.REFUND)
DISBURSED_KINDS = (EntryKind.DISBURSEMENT, EntryKind.CLAWBACK)


def post(*, project: Project, kind: str, role: str, amount: Decimal, actor,
         commitment: Commitment | None = None, envelope: BudgetEnvelope | None = None,
         tranche: Tranche | None = None, receipt=None, original_amount: Decimal | None = None,
         original_currency: str = "", memo: str = "",
         reverses: LedgerEntry | None = None) -> LedgerEntry:
    """Append one entry and move the cached totals it affects.

    The caller holds the project's row lock (and the envelope's, for reservations), so the
    checks it made before calling still hold; the database constraints are the last word.
    """
    if amount == 0:
        raise ValueError("a ledger entry moves money: the amount cannot be zero")
    entry = LedgerEntry.objects.create(
        project=project, kind=kind, role=role, amount=amount, currency=project.currency,
        commitment=commitment, envelope=envelope, tranche=tranche, receipt=receipt,
        original_amount=original_amount, original_currency=original_currency, memo=memo[:300],
        reverses=reverses, created_by=actor)
    _move_totals(entry)
    return entry


def reverse(entry: LedgerEntry, *, actor, memo: str) -> LedgerEntry:
    """Undo `entry` with an opposite entry of the same kind that points back to it."""
    return post(project=entry.project, kind=entry.kind, role=entry.role, amount=-entry.amount,
                actor=actor, commitment=entry.commitment, envelope=entry.envelope,
                tranche=entry.tranche, receipt=entry.receipt,
                original_amount=-entry.original_amount if entry.original_amount else None,
                original_currency=entry.original_currency, memo=memo, reverses=entry)


def _move_totals(entry: LedgerEntry) -> None:
    amount = entry.amount
    if entry.kind in RECEIVED_KINDS:
        Project.objects.filter(pk=entry.project_id).update(received=F("received") + amount)
    elif entry.kind == EntryKind.MATCH:
        Commitment.objects.filter(pk=entry.commitment_id).update(matched=F("matched") + amount)
        if entry.role != ASSOCIATION_ROLE:
            Project.objects.filter(pk=entry.project_id).update(matched=F("matched") + amount)
    elif entry.kind == EntryKind.RESERVATION:
        Commitment.objects.filter(pk=entry.commitment_id).update(reserved=F("reserved") + amount)
        if entry.envelope_id:
            BudgetEnvelope.objects.filter(pk=entry.envelope_id).update(
                reserved=F("reserved") + amount)
    elif entry.kind in DISBURSED_KINDS:
        Commitment.objects.filter(pk=entry.commitment_id).update(
            disbursed=F("disbursed") + amount)
        Project.objects.filter(pk=entry.project_id).update(disbursed=F("disbursed") + amount)
        if entry.tranche_id:
            Tranche.objects.filter(pk=entry.tranche_id).update(disbursed=F("disbursed") + amount)
        if entry.envelope_id:
            BudgetEnvelope.objects.filter(pk=entry.envelope_id).update(
                disbursed=F("disbursed") + amount)


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


def verify() -> list[Difference]:
    """Every cached total that disagrees with the ledger (an empty list when all agree)."""
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
    ]


def balances(project: Project) -> dict[str, Decimal]:
    """The project's totals per kind of entry, straight from the ledger."""
    rows = (LedgerEntry.objects.filter(project=project).order_by().values("kind")
            .annotate(total=Sum("amount")))
    return {row["kind"]: row["total"] for row in rows}
