"""The funding waterfall of a project: per party, what was pledged, received, targeted,
matched, reserved and disbursed. Used by the API, the web pages and the public pages."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from .models import ASSOCIATION_ROLE, Commitment, Pledge, PledgeStatus, Project, Receipt, \
    ReceiptStatus

ZERO = Decimal("0.00")


@dataclass
class WaterfallRow:
    role: str
    funder: str  # the funder's public name; the association's name for the migrants
    target: Decimal = ZERO
    matched: Decimal = ZERO  # for the association: its effective (matched) contribution
    reserved: Decimal = ZERO
    disbursed: Decimal = ZERO
    received: Decimal = ZERO  # association only: all money in hand, in the scheme currency
    pledged: dict[str, Decimal] = field(default_factory=dict)  # association: per currency
    sent: dict[str, Decimal] = field(default_factory=dict)  # association: per currency


def waterfall(project: Project) -> list[WaterfallRow]:
    """Rows in the scheme's party order, association first. Three queries at most."""
    association = WaterfallRow(role=ASSOCIATION_ROLE, funder=project.association.name,
                               received=project.received)
    pledged = (Pledge.objects.filter(project=project, status=PledgeStatus.ANNOUNCED)
               .order_by().values("currency").annotate(total=Sum("amount")))
    association.pledged = {row["currency"]: row["total"] for row in pledged}
    sent = (Receipt.objects.filter(project=project, status=ReceiptStatus.RECORDED)
            .order_by().values("currency").annotate(total=Sum("amount")))
    association.sent = {row["currency"]: row["total"] for row in sent}
    rows = [association]
    for c in Commitment.objects.filter(project=project).select_related("funder") \
            .order_by("position"):
        if c.role == ASSOCIATION_ROLE:
            association.target, association.matched = c.target, c.matched
            association.disbursed = c.disbursed
            continue
        rows.append(WaterfallRow(role=c.role, funder=c.funder.name if c.funder else c.role,
                                 target=c.target, matched=c.matched, reserved=c.reserved,
                                 disbursed=c.disbursed))
    return rows
