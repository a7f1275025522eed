"""The funding waterfall of a project: per party, what was pledged, received, targeted,
matched, reserved and disbursed. Used by the API, the web pages and the public pages."""

from dataclasses import dataclass, field
from decimal import Decimal

from .models import ASSOCIATION_ROLE, PledgeStatus, Project, ReceiptStatus
from .prepared import prepared_cursor

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


# One round trip for the whole waterfall: it is on the API's detail path, where three ORM
# queries cost more in compilation than in PostgreSQL.
WATERFALL_SQL = """
    SELECT 'party', c.role, f.name, c.target, c.matched, c.reserved, c.disbursed, '', c.position
    FROM matching_commitment c LEFT JOIN matching_funder f ON f.id = c.funder_id
    WHERE c.project_id = %(project)s
    UNION ALL
    SELECT 'pledged', '', '', sum(amount), 0, 0, 0, currency, 0
    FROM matching_pledge WHERE project_id = %(project)s AND status = %(announced)s
    GROUP BY currency
    UNION ALL
    SELECT 'sent', '', '', sum(amount), 0, 0, 0, currency, 0
    FROM matching_receipt WHERE project_id = %(project)s AND status = %(recorded)s
    GROUP BY currency
    ORDER BY 1, 9, 8
"""


def waterfall(project: Project) -> list[WaterfallRow]:
    """Rows in the scheme's party order, association first. One query."""
    return waterfall_of(project.pk, project.association.name, project.received)


def waterfall_of(project_id: int, association: str, received) -> list[WaterfallRow]:
    """The waterfall of a project known by its id, its association's name and its money in
    hand. One prepared statement (matching/prepared.py)."""
    association = WaterfallRow(role=ASSOCIATION_ROLE, funder=association, received=received)
    rows = [association]
    with prepared_cursor() as cursor:
        cursor.execute(WATERFALL_SQL, {"project": project_id,
                                       "announced": PledgeStatus.ANNOUNCED,
                                       "recorded": ReceiptStatus.RECORDED})
        for kind, role, funder, target, matched, reserved, disbursed, currency, _pos \
                in cursor.fetchall():
            if kind == "pledged":
                association.pledged[currency] = target
            elif kind == "sent":
                association.sent[currency] = target
            elif role == ASSOCIATION_ROLE:
                association.target, association.matched = target, matched
                association.disbursed = disbursed
            else:
                rows.append(WaterfallRow(role=role, funder=funder or role, target=target,
                                         matched=matched, reserved=reserved,
                                         disbursed=disbursed))
    return rows
