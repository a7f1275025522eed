"""The pledge import checks rows in SQL: it must agree with the pledge service's own rules
(services.money.checked_amount, readers.parse_date, checks.content_key) on every case below."""

import datetime

import pytest

from matching import models as m
from matching.errors import InvalidInput
from matching.imports import checks, run_import
from matching.imports.engine import report_rows
from matching.imports.readers import parse_date
from matching.services.money import checked_amount

TODAY = datetime.date.today()

CASES = [  # (_case, amount, currency, expected_on)
    ("plain", "100", "RUB", "2030-01-31"),
    ("cents", "100.50", "rub", "31.01.2030"),
    ("trailing zeros", "1500.000", "RUB", "2030-1-5"),
    ("leading zeros", "0100.5", "USD", "2030-12-31"),
    ("zero-decimal currency", "1500", "JPY", "2030-01-31"),
    ("zero-decimal currency, cents", "1500.5", "JPY", "2030-01-31"),
    ("three-decimal currency", "1.000", "KWD", "2030-01-31"),
    ("unknown currency", "100", "XXX", "2030-01-31"),
    ("no currency", "100", "", "2030-01-31"),
    ("too many decimals", "1.005", "RUB", "2030-01-31"),
    ("zero", "0", "RUB", "2030-01-31"),
    ("minus zero", "-0.00", "RUB", "2030-01-31"),
    ("negative", "-5", "RUB", "2030-01-31"),
    ("exponent", "1e3", "RUB", "2030-01-31"),
    ("comma", "1,5", "RUB", "2030-01-31"),
    ("empty amount", "", "RUB", "2030-01-31"),
    ("too large", "1000000000000000", "RUB", "2030-01-31"),
    ("just below the limit", "999999999999999.99", "RUB", "2030-01-31"),
    ("no such day", "100", "RUB", "2030-02-30"),
    ("month 13", "100", "RUB", "13.13.2030"),
    ("words", "100", "RUB", "tomorrow"),
    ("empty date", "100", "RUB", ""),
]


def service_errors(amount, currency, expected_on) -> dict:
    """What the Python path reports for the row (project aside)."""
    errors = {}
    code = currency.strip().upper()
    if not code:
        errors["currency"] = ["Give the currency."]
    else:
        try:
            checked_amount(amount, code, "amount")
        except InvalidInput as error:
            errors[error.field] = [error.message]
    if parse_date(expected_on) is None:
        errors["expected_on"] = ["Give the date as YYYY-MM-DD or DD.MM.YYYY."]
    return errors


@pytest.mark.parametrize("_case, amount, currency, expected_on", CASES, ids=[c[0] for c in CASES])
def test_sql_row_checks_agree_with_the_service(world, _case, amount, currency, expected_on):
    project = world.submitted()
    content = (f"project,amount,currency,expected_on\n"
               f"{project.code},{amount},{currency},{expected_on}\n").encode()
    if "," in amount:
        content = content.replace(b",1,5,", b',"1,5",')
    batch, _ = run_import(kind="pledges", filename="p.csv", content=content, actor=world.alice,
                          mode=m.ImportMode.VALID_ROWS)
    [(line, outcome, errors, object_id)] = report_rows(batch)
    expected = service_errors(amount, currency, expected_on)
    assert errors == expected
    if not expected:  # the same content key as the earlier, Python imports stored
        pledge = m.Pledge.objects.get(pk=object_id)
        assert (line, outcome, pledge.import_batch, pledge.import_line) == (
            2, "created", batch, 2)
        assert pledge.import_key == checks.content_key(
            m.ImportKind.PLEDGES, project.pk, format(checked_amount(amount, currency.upper(), "a"), "f"),
            currency.upper(), parse_date(expected_on))
        assert (pledge.expected_on, pledge.currency) == (parse_date(expected_on),
                                                         currency.upper())
