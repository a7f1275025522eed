"""Row checks shared by the pledge and receipt imports: the services' own rules, applied to a
whole file with a handful of queries (projects resolved and locked by code in one query, the
clerk's mahallas in another)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.utils.translation import gettext as _

from .. import bounds, policies, text as free_text
from ..errors import InvalidInput
from ..models import Project
from ..services.money import checked_amount as service_amount
from ..services.money import converted as service_converted
from ..services.money import entered_rate as service_rate
from ..services.projects import MONEY_CLOSED_STATES
from .engine import Row


def amount(row: Row, text: str, currency: str, field: str, *, positive: bool = True) \
        -> Decimal | None:
    """The receipt and pledge services' own amount check (currency known, kept to the
    unit, positive, not too many decimals), so that the import and the form never disagree."""
    return _checked(row, field, service_amount, text, currency, field, positive=positive)


def _checked(row: Row, field: str, check, *args, **kwargs):
    """`check(*args, **kwargs)`, or None with its message on the row: the services' own checks, so
    that the import and the form never disagree."""
    try:
        return check(*args, **kwargs)
    except InvalidInput as error:
        row.fail(error.field or field, error.message)
        return None


def fee(row: Row, fee_: Decimal | None, amount_: Decimal | None) -> None:
    problem = bounds.fee_problem(fee_, amount_)
    if problem:
        row.fail("fee", problem)


def date(row: Row, field: str, value, kind: str, today) -> None:
    """A date within the window of its kind (bounds.window), as the services check it."""
    problem = bounds.date_problem(value, kind, today)
    if problem:
        row.fail(field, problem)


def text(row: Row, field: str, value: str) -> None:
    """Free text without the control characters that no output can carry (text.py)."""
    problem = free_text.control_problem(value)
    if problem:
        row.fail(field, _(problem))


def rate(row: Row, text: str) -> Decimal | None:
    """A rate entered in the file, checked as receipt_record checks one entered by hand."""
    return _checked(row, "rate", service_rate, text)


def converted(row: Row, amount: Decimal, rate_: Decimal, currency_: str) -> Decimal | None:
    """The receipt's amount in the scheme currency, refused as receipt_record refuses it."""
    return _checked(row, "amount", service_converted, amount, rate_, currency_)


def lock_projects(codes: set[str], actor, action: str) -> dict[str, Project]:
    """The projects named in the file on which `actor` may do `action` (policies: role and
    scope), locked in id order (the services' lock order: project first, then envelopes), so
    that no status change slips between the check and the write. Another district's project
    is simply not found.

    FOR NO KEY UPDATE, not FOR UPDATE: it excludes every other writer of these projects as
    much, but not the foreign-key checks of rows that point at them (a reminder planned for
    one of them), which a long import would otherwise hold up until it commits."""
    if not policies.role_may(actor, action):
        return {}
    projects = (Project.objects.visible_to(actor)
                .select_for_update(of=("self",), no_key=True)
                .filter(code__in=sorted(codes)).order_by("pk")
                .select_related("association", "mahalla__district", "scheme"))
    return {p.code: p for p in projects}


def project(row: Row, code: str, projects: dict[str, Project]) -> Project | None:
    found = projects.get(code)
    if not code:
        row.fail("project", _("Give the project code."))
    elif found is None:
        # the same answer for a project that does not exist and one outside the user's
        # mahallas: an import must not reveal other districts' project codes
        row.fail("project", _("No project %(code)s in your mahallas.") % {"code": code})
        return None
    elif found.status in MONEY_CLOSED_STATES:
        row.fail("project", _("Project %(code)s is %(status)s: it takes no more money.") % {
            "code": found.code, "status": found.get_status_display()})
    return found


def registration(row: Row, found: Project, on) -> None:
    problem = found.association.registration_problem(on)
    if problem:
        row.fail("project", problem)


def content_key(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def currency(row: Row, text: str) -> str:
    code = (text or "").strip().upper()
    if not code:
        row.fail("currency", _("Give the currency."))
    return code
