"""How a report's values read on a page: words for codes, amounts with their currency and the
reader's separators, shares in per cent, yes and no. The downloads keep the plain values
(exports.py); this is only for people."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from .. import currencies
from ..exports import Column, Table

NONE = "—"


def _number(value, places: int) -> str:
    return formats.number_format(Decimal(value), decimal_pos=places, use_l10n=True,
                                 force_grouping=True)


def cell(value, column: Column, row: dict) -> str:
    """One value as the page shows it."""
    if value is None or value == "":
        return NONE
    kind = column.kind
    if kind in ("money", "per_head"):
        # totals in whole units (the downloads keep every tiyin); amounts per head, which are
        # small, to the minor unit
        currency = column.currency or row.get(column.currency_key, "")
        places = 0 if kind == "money" else (currencies.minor_unit(currency) if currency else 2)
        text = _number(value, places)
        if column.currency or not currency:  # one currency: it is in the column's heading
            return text
        # a plain space before the currency: a narrow column may put it under the amount
        return f"{text} {currency}"
    if kind == "share":
        return f"{_number(Decimal(value) * 100, 1)}\xa0%"
    if kind == "ratio":
        return _number(value, 2)
    if kind == "days":
        return _number(value, 1)
    if kind == "index":
        return _number(value, 4)
    if kind == "count":
        return _number(value, 0)
    if kind == "bool":
        return _("yes") if value else _("no")
    if kind == "date":
        return formats.date_format(value, "SHORT_DATE_FORMAT") \
            if isinstance(value, datetime.date) else str(value)
    if kind == "choice":
        return str((column.labels or {}).get(value, value))
    return str(value)


@dataclass
class Cell:
    label: str
    text: str
    numeric: bool


def page_rows(table: Table) -> list[list[Cell]]:
    columns = table.page_columns()
    return [[Cell(c.page_label, cell(row.get(c.key), c, row), c.numeric) for c in columns]
            for row in table.rows]


def explained(table: Table) -> list[Column]:
    """The page's columns that carry a sentence saying what they mean."""
    return [c for c in table.page_columns() if c.help]
