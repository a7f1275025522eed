"""Read an uploaded CSV or XLSX into numbered rows of text, and parse the cells.

Cells are read as text and parsed by us, never by a spreadsheet library's guess: amounts as
decimal strings (an XLSX number is a float, read through its shortest decimal form, which is
exact for amounts with two decimals), dates as ISO or the central banks' dd.mm.yyyy.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.utils.translation import gettext as _

from ..errors import InvalidInput

CSV_DELIMITERS = ",;\t"


def _header(cells) -> list[str]:
    return [str(c or "").strip().lower().replace(" ", "_") for c in cells]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value).strip()


def read_rows(name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """[(line number, {column: text})]; the header is line 1. Refuses unknown types."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "csv":
        return _csv_rows(content)
    if suffix == "xlsx":
        return _xlsx_rows(content)
    raise InvalidInput(_("Upload a CSV or XLSX file."), field="file")


def _csv_records(content: bytes):
    """(header, reader of the remaining records)."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text."), field="file") from None
    if "\x00" in text:  # PostgreSQL text cannot hold NUL: refuse here, not with a 500 later
        raise InvalidInput(_("The file contains NUL characters: it is not a text table."),
                           field="file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=CSV_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return _header(next(reader, [])), reader


def _csv_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    header, reader = _csv_records(content)
    return [(number, dict(zip(header, (cell.strip() for cell in cells))))
            for number, cells in enumerate(reader, start=2) if any(c.strip() for c in cells)]


def _xlsx_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise InvalidInput(_("The file is not a readable XLSX workbook."), field="file") \
            from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = _header(next(rows, []))
        return [(number, dict(zip(header, (_text(c) for c in cells))))
                for number, cells in enumerate(rows, start=2)
                if any(c not in (None, "") for c in cells)]
    finally:
        book.close()


def read_columns(name: str, content: bytes, columns: list[str]) -> list[tuple]:
    """[(line number, text of each of `columns`)], for kinds that stage the file in the
    database: tuples, not dicts (100,000 rows), and the same refusals as read_rows."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "csv":
        header, records = _csv_records(content)
    elif suffix == "xlsx":  # openpyxl's own pace dominates: dicts cost nothing more here
        table = _xlsx_rows(content)
        require_columns(table, columns)
        return [(line, *(raw.get(c, "") for c in columns)) for line, raw in table]
    else:
        raise InvalidInput(_("Upload a CSV or XLSX file."), field="file")
    missing = [c for c in columns if c not in header]
    positions = [header.index(c) if c in header else -1 for c in columns]
    rows = []
    for number, cells in enumerate(records, start=2):
        if not any(c.strip() for c in cells):
            continue
        width = len(cells)
        rows.append((number, *(cells[i].strip() if 0 <= i < width else "" for i in positions)))
    if not rows:
        raise InvalidInput(_("The file has no rows."), field="file")
    if missing:
        raise InvalidInput(_("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)},
                           field="file")
    return rows


def require_columns(rows, required: list[str]) -> None:
    present = set(rows[0][1]) if rows else set()
    missing = [c for c in required if c not in present]
    if not rows:
        raise InvalidInput(_("The file has no rows."), field="file")
    if missing:
        raise InvalidInput(_("Columns missing: %(columns)s.") % {"columns": ", ".join(missing)},
                           field="file")


def parse_date(text: str) -> datetime.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
