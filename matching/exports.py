"""Tables out of Hashar: CSV, XLSX and JSON, safe to open in a spreadsheet.

A `Table` is a title, columns and rows of plain values (str, int, Decimal, date, None). The
writers never evaluate anything: a cell whose text starts with `=`, `+`, `-`, `@`, a tab or a
carriage return would be run as a formula by Excel, LibreOffice or Google Sheets (CSV
injection, OWASP), so such text is prefixed with an apostrophe. Numbers stay numbers: a
negative Decimal is a value, not text, and is written as one.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook

from .text import xml_safe

NUMERIC_KINDS = frozenset({"count", "money", "per_head", "share", "ratio", "index", "days"})
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limit on sheet titles, and the characters it refuses in them
_SHEET_TITLE_MAX = 31
_SHEET_TITLE_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


@dataclass
class Column:
    """A column: its machine `key` (the CSV's and JSON's), its `label` in the reader's language,
    and how a page shows it (the downloads keep the plain values):

    - `kind`: text, count, money, per_head, share (0–1, shown in per cent), ratio, index,
      days, bool, date or choice (a code shown by its word from `labels`);
    - `currency` (fixed) or `currency_key` (the row's key holding it) for money;
    - `page`: False for detail only the downloads carry (a phone cannot show 30 columns);
    - `help`: a sentence that says what the column means, under the table.
    """

    key: str
    label: str
    missing: str = ""  # what a page shows for an empty cell ("no population"); files leave it empty
    kind: str = "text"
    currency: str = ""
    currency_key: str = ""
    labels: dict | None = None
    page: bool = True
    help: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def page_label(self) -> str:
        """The label on a page: with the column's currency when all its amounts share one
        (its cells then show the bare amounts, so that a table fits a screen)."""
        if self.kind in ("money", "per_head") and self.currency:
            return f"{self.label} ({self.currency})"
        return self.label


@dataclass
class Table:
    name: str  # a stable machine name: the CSV file name and the JSON key
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def values(self, row: dict) -> list:
        return [row.get(c.key) for c in self.columns]

    def cells(self) -> list[list]:
        """The rows as lists in column order (what templates iterate over); an empty cell of
        a column that says what its emptiness means shows that."""
        return [[c.missing if row.get(c.key) is None and c.missing else row.get(c.key)
                 for c in self.columns] for row in self.rows]

    def page_columns(self) -> list[Column]:
        return [c for c in self.columns if c.page]


def neutralise(text: str) -> str:
    """Text that a spreadsheet will show and never run as a formula."""
    if text and text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def _cell(value):
    """A CSV cell: numbers in plain notation, dates in ISO, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel reads Cyrillic and Uzbek letters right."""
    return b"".join(csv_lines(table.columns, table.rows))


def csv_lines(columns: list[Column], rows) -> Iterator[bytes]:
    """`to_csv` line by line, for a streamed download of any length: `rows` may be an
    iterator of dicts read from the database a chunk at a time."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(c.label) for c in columns])
    yield ("\ufeff" + out.getvalue()).encode("utf-8")
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([_cell(row.get(c.key)) for c in columns])
        yield out.getvalue().encode("utf-8")


def _xlsx_value(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (Decimal, int, datetime.date)):
        return value
    return neutralise(xml_safe(str(value)))


def to_xlsx(tables: list[Table]) -> bytes:
    """One sheet per table. Text is neutralised before openpyxl sees it, so that openpyxl
    (which stores any string starting with `=` as a formula) only ever writes text cells."""
    book = Workbook(write_only=True)
    for table in tables:
        sheet = book.create_sheet(title=table.title.translate(_SHEET_TITLE_BAD)[:_SHEET_TITLE_MAX]
                                  or table.name[:_SHEET_TITLE_MAX])
        sheet.append([neutralise(xml_safe(str(c.label))) for c in table.columns])
        for row in table.rows:
            sheet.append([_xlsx_value(v) for v in table.values(row)])
    if not tables:
        book.create_sheet(title="empty")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _json_default(value):
    if isinstance(value, Decimal):
        return format(value, "f")  # decimals leave as strings, as in the API
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    raise TypeError(f"not serialisable: {type(value).__name__}")


def to_json(tables: list[Table], *, meta: dict | None = None) -> bytes:
    data = {"meta": meta or {}, "tables": {
        t.name: {"title": t.title, "columns": [{"key": c.key, "label": c.label}
                                               for c in t.columns],
                 "rows": [dict(zip([c.key for c in t.columns], t.values(r))) for r in t.rows]}
        for t in tables}}
    return json.dumps(data, default=_json_default, ensure_ascii=False, indent=1).encode("utf-8")
