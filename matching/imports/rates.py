"""Daily exchange rates from a central bank's published table.

The Central Bank of Uzbekistan publishes, per day and currency, the alphabetic code (`Ccy`),
the numeric ISO code (`Code`), the units quoted (`Nominal`) and the rate in som (`Rate`) with
the date (`Date`, dd.mm.yyyy); the National Banks of Tajikistan and the Kyrgyz Republic publish
the same three facts. A CSV with columns code (alphabetic or numeric), rate and date is read,
with `nominal` when present: the stored rate is for one unit. A day already stored at the same
rate is skipped; at a different rate the row is refused, never overwritten (receipts keep the
rate they were converted at, and a published rate is not revised).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies
from ..jobs.progress import NO_PROGRESS
from ..models import ExchangeRate, ImportKind
from . import checks
from .engine import BULK, Row
from .readers import parse_date, read_rows, require_columns

KIND = ImportKind.RATES
COLUMNS = ["code", "rate", "date"]
# ISO 4217 numeric codes of the currencies that migrants send and the region's own
NUMERIC = {"840": "USD", "978": "EUR", "643": "RUB", "398": "KZT", "417": "KGS", "972": "TJS",
           "860": "UZS", "826": "GBP", "156": "CNY", "949": "TRY", "392": "JPY", "756": "CHF",
           "784": "AED", "410": "KRW", "944": "AZN", "981": "GEL", "051": "AMD", "933": "BYN",
           "934": "TMT", "980": "UAH"}
SIX_PLACES = Decimal("0.000001")


class RatesImporter:
    """The rates import, for one quote currency and source."""

    def __init__(self, *, quote: str = "UZS", source: str = "Central Bank of Uzbekistan"):
        self.quote, self.source = quote, source[:60]

    def read(self, filename: str, content: bytes):
        rows = [(line, {("code" if k in ("ccy", "currency") else k): v for k, v in r.items()})
                for line, r in read_rows(filename, content)]
        require_columns(rows, COLUMNS)
        return rows

    def validate(self, raw_rows, actor, progress=NO_PROGRESS) -> list[Row]:
        rows, seen, today = [], {}, timezone.localdate()
        for line, raw in progress.rows(raw_rows):
            row = Row(line=line)
            code = _code(raw.get("code", ""))
            if code not in currencies.MINOR_UNITS or code == self.quote:
                row.fail("code", _("Unknown currency code %(code)s.") % {"code": raw.get("code")})
            on = parse_date(raw.get("date", ""))
            if on is None:
                row.fail("date", _("Give the date as DD.MM.YYYY or YYYY-MM-DD."))
            else:
                checks.date(row, "date", on, "rate", today)
            rate = _rate(row, raw.get("rate", ""), raw.get("nominal", "") or "1")
            if not row.errors:
                if (code, on) in seen:
                    row.fail("code", _("Also on line %(line)s.") % {"line": seen[(code, on)]})
                seen.setdefault((code, on), line)
                row.data = {"currency": code, "on": on, "rate": rate}
                row.key = f"{code}:{on.isoformat()}"
            rows.append(row)
        self._against_stored(rows)
        return rows

    def _against_stored(self, rows: list[Row]) -> None:
        wanted = [r for r in rows if r.data and not r.errors]
        stored = {(x.currency, x.on): x.rate for x in ExchangeRate.objects.filter(
            quote_currency=self.quote, currency__in={r.data["currency"] for r in wanted},
            on__in={r.data["on"] for r in wanted})}
        for row in wanted:
            known = stored.get((row.data["currency"], row.data["on"]))
            if known is None:
                continue
            if known == row.data["rate"]:
                row.skipped = True
            else:
                row.fail("rate", _("%(code)s on %(day)s is already stored at %(rate)s.") % {
                    "code": row.data["currency"], "day": row.data["on"].isoformat(),
                    "rate": known})

    def write(self, valid: list[Row], actor, batch, progress=NO_PROGRESS) -> list[int]:
        rates = ExchangeRate.objects.bulk_create([
            ExchangeRate(currency=r.data["currency"], quote_currency=self.quote, on=r.data["on"],
                         rate=r.data["rate"], source=self.source, entered_by_hand=False)
            for r in valid], batch_size=BULK)
        progress.advance(len(rates))
        return [r.pk for r in rates]


def _code(text: str) -> str:
    text = (text or "").strip().upper()
    return NUMERIC.get(text.zfill(3), text) if text.isdigit() else text


def _decimal(text: str) -> Decimal | None:
    text = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # the decimal comma of Russian-language tables
    value, problem = currencies.parse_decimal(text)
    return None if problem else value


def _rate(row: Row, rate_text: str, nominal_text: str) -> Decimal | None:
    rate, nominal = _decimal(rate_text), _decimal(nominal_text)
    if rate is None or rate <= 0:
        row.fail("rate", _("Give a positive rate."))
        return None
    if nominal is None or nominal <= 0:
        row.fail("nominal", _("Give a positive nominal."))
        return None
    try:
        per_unit = (rate / nominal).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        row.fail("rate", _("The rate is too large."))
        return None
    if per_unit <= 0 or per_unit >= Decimal("1e12"):
        row.fail("rate", _("The rate per unit is out of range."))
        return None
    return per_unit
