"""Currencies and the one rounding helper: pure functions, Decimal in, Decimal out, no Django.

Every amount in Hashar is a ``Decimal`` with an ISO 4217 code; it is stored and compared in the
currency's minor unit (2 places for UZS and RUB, 0 for JPY, 3 for KWD).
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext


def _(message: str) -> str:
    """Mark a message for translation (xgettext picks up ``_``) without importing Django."""
    return message


# ISO 4217 minor units. Currencies whose minor unit is not 2 are listed apart so the exceptions
# are easy to check against the standard.
_TWO_PLACES = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD "
    "CAD CDF CHF CNY COP CRC CUP CZK DKK DOP DZD EGP ERN ETB EUR FJD GBP GEL GHS GIP GMD GTQ GYD "
    "HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA "
    "MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN "
    "QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SYP SZL THB TJS TMT TOP TRY "
    "TTD TWD TZS UAH USD UZS VES WST XCD YER ZAR ZMW ZWL"
).split()
_ZERO_PLACES = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF".split()
_THREE_PLACES = "BHD IQD JOD KWD LYD OMR TND".split()

MINOR_UNITS: dict[str, int] = {
    **{code: 2 for code in _TWO_PLACES},
    **{code: 0 for code in _ZERO_PLACES},
    **{code: 3 for code in _THREE_PLACES},
}

# Amounts must fit DecimalField(max_digits=18) even with 3 decimal places.
MAX_AMOUNT = Decimal("1e15")

# High enough that amount × rate is exact before rounding (amounts < 1e15, rates < 1e9 with at
# most 12 decimals): the only rounding is the one quantize() does on purpose.
_PRECISION = 80

_DECIMAL_STRING = re.compile(r"-?[0-9]{1,20}(?:\.[0-9]{1,20})?")


def minor_unit(currency: str) -> int:
    """Number of decimal places of ``currency``; ValueError for an unknown code."""
    try:
        return MINOR_UNITS[currency]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown currency code: {currency!r}") from None


def unit(currency: str) -> Decimal:
    """The smallest amount of ``currency``: Decimal('0.01') for UZS, Decimal('1') for JPY."""
    return Decimal(1).scaleb(-minor_unit(currency))


def quantize(amount: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """Round ``amount`` to the minor unit of ``currency`` (half-up unless told otherwise)."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        result = Decimal(amount).quantize(unit(currency), rounding=rounding)
    # Never hand out "-0.00".
    return result.copy_abs() if result == 0 else result


def convert(amount: Decimal, rate: Decimal, to_currency: str) -> Decimal:
    """``amount × rate`` in ``to_currency``, rounded half-up to its minor unit."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return quantize(Decimal(amount) * Decimal(rate), to_currency)


def format_amount(amount: Decimal, currency: str) -> str:
    """Plain string with exactly the currency's decimals: '20000000.00', '1500', '1.250'."""
    return format(quantize(amount, currency), "f")


def amount_error(value: object, places: int | None, *, positive: bool = False) -> str | None:
    """Why ``value`` is not a valid amount with ``places`` decimals, or None when it is.

    ``value`` is a Decimal, an int or a decimal string (read by parse_decimal). ``places`` None
    skips the decimals check (the currency itself is invalid). Trailing zeros are accepted:
    "1500.00" is a valid JPY amount.
    """
    if isinstance(value, str):
        value, problem = parse_decimal(value)
        if problem:
            return problem
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return _("Expected a decimal amount.")
    if isinstance(value, int) and abs(value) >= MAX_AMOUNT:
        return _("Amount is too large.")
    value = Decimal(value)
    if not value.is_finite():
        return _("Must be a finite number.")
    if abs(value) >= MAX_AMOUNT:
        return _("Amount is too large.")
    if value < 0:
        return _("Must not be negative.")
    if positive and value == 0:
        return _("Must be greater than zero.")
    if places is not None:
        with localcontext() as ctx:
            ctx.prec = _PRECISION
            if value != value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN):
                return _("Too many decimal places for the currency.")
    return None


def parse_decimal(raw: object) -> tuple[Decimal | None, str | None]:
    """Read a JSON value as a Decimal: a decimal string or an integer, never a float.

    Returns (value, None) or (None, error message). Exponents, NaN, Infinity, spaces and
    JSON numbers with a fraction are refused: a float has already lost the exact amount.
    """
    if isinstance(raw, bool) or raw is None:
        return None, _("A decimal string is required.")
    if isinstance(raw, int):
        if abs(raw) >= 10**20:
            return None, _("Number is too large.")
        return Decimal(raw), None
    if isinstance(raw, float):
        return None, _("Send amounts as decimal strings, not JSON numbers with a fraction.")
    if not isinstance(raw, str):
        return None, _("A decimal string is required.")
    if not _DECIMAL_STRING.fullmatch(raw):
        return None, _("Not a valid decimal number.")
    return Decimal(raw), None
