"""Bounds on what people enter: dates in a sane window, a fee within the amount, receipts far
beyond a project's cost held for confirmation. Each check returns a plain message (or None)
and is shared by the services, the forms, the API and the imports, so they never disagree.

The windows (days from today, in the server's local calendar):

| date | earliest | latest |
|---|---|---|
| a pledge's expected date | 1 year ago | 5 years ahead |
| a receipt's arrival | 5 years ago | today |
| an exchange rate's day | 1 January 2000 | tomorrow (banks publish the next day's rate) |
| a disbursement's payment | 1 year ago | today |
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

EARLIEST_RATE = datetime.date(2000, 1, 1)


def _years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def window(kind: str, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """(earliest, latest) accepted for a date of `kind`: expected, received, rate, paid."""
    today = today or timezone.localdate()
    return {
        "expected": (_years(today, -1), _years(today, 5)),
        "received": (_years(today, -5), today),
        "rate": (EARLIEST_RATE, today + datetime.timedelta(days=1)),
        "paid": (_years(today, -1), today),
    }[kind]


def date_problem(value: datetime.date | None, kind: str,
                 today: datetime.date | None = None) -> str | None:
    """Why `value` is out of its window (a translated message), or None."""
    if value is None:
        return None
    earliest, latest = window(kind, today)
    if value > latest and kind in ("received", "paid"):
        return _("The date cannot be in the future.")
    if not earliest <= value <= latest:
        return _("Give a date from %(start)s to %(end)s.") % {
            "start": formats.date_format(earliest, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(latest, "SHORT_DATE_FORMAT")}
    return None


def fee_problem(fee: Decimal | None, amount: Decimal | None) -> str | None:
    """A transfer fee is a part of the money sent: never more than the amount."""
    if fee is not None and amount is not None and fee > amount:
        return _("The fee cannot be more than the amount sent.")
    return None


def hold_receipt(*, received: Decimal, converted: Decimal, cost: Decimal) -> bool:
    """Whether a receipt of `converted` (scheme currency) waits for an officer's
    confirmation: when the project's money received, with it, would exceed
    RECEIPT_HOLD_COST_RATIO × its eligible cost (1: more than the whole cost)."""
    return received + converted > cost * settings.RECEIPT_HOLD_COST_RATIO
