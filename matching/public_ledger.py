"""A project's ledger as the public reads it: every movement of money with its date, amount,
currency and party, in words, and the final accounting of a closed or cancelled project.

What leaves here is public: never an entry's memo (it holds bank references and the reasons
people typed), never who recorded it, never a receipt's reference or proof. A party is named
as the public knows it: the funder's name (a hokimiyat, a region, a sponsor) or the
association's. Every figure is a sum of the entries themselves, so that anyone can check the
waterfall against the ledger (tests/web/test_public_ledger.py does, for every demo project).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ASSOCIATION_ROLE, EntryKind, FunderKind, LedgerEntry, Project

ZERO = Decimal("0.00")
K = EntryKind


def party_role_label(role: str) -> str:
    if role == ASSOCIATION_ROLE:
        return _("Migrant association")
    return str(FunderKind(role).label) if role in FunderKind.values else role


def describe(kind: str, amount: Decimal, reverses: int | None) -> str:
    """What an entry did, in the reader's language."""
    if reverses is not None:
        return _("Correction: cancels entry %(n)s, recorded in error") % {"n": reverses}
    up = amount > 0
    texts = {
        K.RECEIPT: _("Money received from the association"),
        K.FEE: _("Transfer fee paid by the senders (not part of the project's money)"),
        K.REFUND: _("Money returned to the association"),
        K.MATCH: (_("Match owed for the association's money") if up
                  else _("Match reduced: money returned, or the project closed or cancelled")),
        K.RESERVATION: (_("Reserved in the funder's budget") if up
                        else _("Released back to the funder's budget")),
        K.DISBURSEMENT: _("Paid to the executor"),
        K.CLAWBACK: _("Recovered from the executor (clawback)"),
    }
    return texts.get(kind, kind)


@dataclass
class PublicEntry:
    number: int
    on: datetime.date
    kind: str
    role: str
    party: str
    amount: Decimal
    currency: str
    original_amount: Decimal | None
    original_currency: str
    reverses: int | None
    received_on: datetime.date | None  # a receipt's: the day the money arrived

    @property
    def party_role(self) -> str:
        return party_role_label(self.role)

    @property
    def description(self) -> str:
        return describe(self.kind, self.amount, self.reverses)

    def as_dict(self) -> dict:
        """The CSV row and JSON object: machine values, plus the words of the page."""
        return {"entry": self.number, "date": self.on.isoformat(), "kind": self.kind,
                "description": self.description, "party": self.party,
                "party_role": self.role, "amount": format(self.amount, "f"),
                "currency": self.currency,
                "original_amount": ("" if self.original_amount is None
                                    else format(self.original_amount, "f")),
                "original_currency": self.original_currency,
                "reverses_entry": self.reverses or "",
                "received_on": self.received_on.isoformat() if self.received_on else ""}


FIELDS = ["entry", "date", "kind", "description", "party", "party_role", "amount", "currency",
          "original_amount", "original_currency", "reverses_entry", "received_on"]


def entries(project: Project) -> list[PublicEntry]:
    """Every entry of the project, oldest first. One query."""
    rows = (LedgerEntry.objects.filter(project=project).order_by("id")
            .values("id", "created_at", "kind", "role", "amount", "currency", "original_amount",
                    "original_currency", "reverses_id", funder=F("commitment__funder__name"),
                    received_on=F("receipt__received_on")))
    association = project.association.name
    return [PublicEntry(
        number=row["id"], on=timezone.localdate(row["created_at"]), kind=row["kind"],
        role=row["role"],
        party=(association if row["role"] == ASSOCIATION_ROLE
               else row["funder"] or party_role_label(row["role"])),
        amount=row["amount"], currency=row["currency"],
        original_amount=row["original_amount"], original_currency=row["original_currency"],
        reverses=row["reverses_id"], received_on=row["received_on"]) for row in rows]


@dataclass
class PartyAccount:
    """One party's money on the project, summed from its ledger entries."""

    role: str
    party: str
    committed: Decimal = ZERO  # reserved in its envelope at approval (co-funders)
    released: Decimal = ZERO  # reservations given back to its envelope (closure, cancellation)
    matched: Decimal = ZERO  # owed (co-funders) or matched contribution (the association)
    disbursed: Decimal = ZERO  # paid to the executor, less clawbacks
    received: Decimal = ZERO  # the association: money in hand, less refunds
    refunded: Decimal = ZERO

    @property
    def party_role(self) -> str:
        return party_role_label(self.role)

    @property
    def put_in(self) -> Decimal:
        """What the party put on the table: a co-funder's reservation at approval, the
        association's money received (before refunds)."""
        return self.received + self.refunded if self.is_association else self.committed

    @property
    def given_back(self) -> Decimal:
        """Released to a co-funder's budget, or refunded to the association."""
        return self.refunded if self.is_association else self.released

    @property
    def still_held(self) -> Decimal:
        """Put in, less paid to the executor, less given back."""
        return self.put_in - self.disbursed - self.given_back

    @property
    def is_association(self) -> bool:
        return self.role == ASSOCIATION_ROLE


def accounts(items: list[PublicEntry]) -> list[PartyAccount]:
    """Per party, in the order parties first appear (the association first)."""
    found: dict[str, PartyAccount] = {}
    for e in items:
        account = found.setdefault(e.role, PartyAccount(role=e.role, party=e.party))
        if e.kind == K.RESERVATION:
            if e.amount > 0 and e.reverses is None:
                account.committed += e.amount
            else:  # a release, or the correction of a reservation
                account.released -= e.amount
        elif e.kind == K.MATCH:
            account.matched += e.amount
        elif e.kind in (K.DISBURSEMENT, K.CLAWBACK):
            account.disbursed += e.amount
        elif e.kind == K.RECEIPT:
            account.received += e.amount
        elif e.kind == K.REFUND:
            account.received += e.amount
            account.refunded -= e.amount
        # a transfer fee is the senders' cost, not the project's money: no account moves
    return sorted(found.values(), key=lambda a: not a.is_association)


def totals(items: list[PublicEntry]) -> dict[str, dict[str, Decimal]]:
    """Per party role and kind: the sum of the entries (the JSON's `totals`)."""
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for e in items:
        sums[e.role][e.kind] += e.amount
    return {role: dict(kinds) for role, kinds in sums.items()}
