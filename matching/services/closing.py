"""Closing a completed project with its final accounting (DOMAIN.md, table of actions: what
was not disbursed is released back to the envelopes, by ledger entries, and shown to the
public), and the accounting itself, read before and after."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from .. import ledger, policies
from ..models import ASSOCIATION_ROLE, Commitment, EntryKind, Project, ProjectStatus
from .approvals import lock_envelopes
from .base import service
from .projects import lock, require_transition, transition

S = ProjectStatus
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountLine:
    """One party's final account, in the scheme currency."""

    role: str
    funder: str  # the funder's public name; the association's for the migrants
    committed: Decimal  # its target at approval (a top-up: its amount)
    disbursed: Decimal  # paid out to the executor, less clawbacks
    released: Decimal  # reservation given back to the envelope (to be, before closure)
    top_up: bool = False


@dataclass(frozen=True)
class Accounting:
    lines: list[AccountLine]
    received: Decimal  # the association's money in hand
    unspent: Decimal  # of which not disbursed: kept on record, refunded only by a refund
    closed: bool

    @property
    def released(self) -> Decimal:
        return sum((line.released for line in self.lines), ZERO)

    @property
    def disbursed(self) -> Decimal:
        return sum((line.disbursed for line in self.lines), ZERO)


def final_accounting(project: Project) -> Accounting:
    """Per party: committed, disbursed and released; and the association's money
    received but not spent. Before closure `released` is what closing would release; after,
    what it released (a reservation is made whole at approval and only closure, or a
    clawback on a closed project, gives any of it back). Two queries."""
    closed = project.status == S.CLOSED
    lines, association_disbursed = [], ZERO
    for c in (Commitment.objects.filter(project=project).select_related("funder")
              .order_by("position")):
        if c.role == ASSOCIATION_ROLE:
            association_disbursed = c.disbursed
            released = ZERO
        elif closed:
            released = c.target - c.reserved
        else:
            released = c.reserved - c.disbursed
        lines.append(AccountLine(
            role=c.role, funder=c.funder.name if c.funder_id else project.association.name,
            committed=c.target, disbursed=c.disbursed, released=released,
            top_up=c.top_up_id is not None))
    return Accounting(lines=lines, received=project.received,
                      unspent=project.received - association_disbursed, closed=closed)


@service
def project_close(*, project: Project, actor, reason: str = "") -> Project:
    """Close a completed project: every reservation not disbursed is released back to its
    envelope and every match above what was disbursed brought down, by ledger entries (a
    `reservation` entry with a negative amount, as a cancellation releases, and `match`
    entries). The association's money received and not spent stays on record as such."""
    project = lock(project)
    policies.require(actor, "close", project)
    require_transition(project, S.CLOSED)  # a second click: refused here, nothing written
    commitments = list(Commitment.objects.filter(project=project).select_related("envelope")
                       .order_by("position"))
    lock_envelopes([c.envelope_id for c in commitments if c.envelope_id])
    entries = []
    for c in commitments:
        if c.reserved > c.disbursed:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.RESERVATION, role=c.role,
                amount=c.disbursed - c.reserved, actor=actor, commitment=c,
                envelope=c.envelope, memo=_("Released at closure")))
        if c.matched > c.disbursed:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.MATCH, role=c.role,
                amount=c.disbursed - c.matched, actor=actor, commitment=c,
                memo=_("Closed: matched above what was disbursed")))
    ledger.post_many(entries)
    transition(project, S.CLOSED, actor=actor, reason=(reason or "").strip())
    return project
