"""Amounts are entered as they are shown: each language's separators and plain digits read
right, ambiguous text refused with a message, never misread."""

from decimal import Decimal

import pytest
from django.utils import translation

from matching.web.fields import AmountField

D = Decimal
AMBIGUOUS = "two ways"
# (language, typed, read as) — None: refused, with a message containing the last item
TABLE = [
    # Uzbek, Russian, Tajik: decimal comma, thousands by (no-break) spaces
    *[(lang, typed, expected) for lang in ("uz", "ru", "tg") for typed, expected in [
        ("50 000 000,00", D("50000000.00")),
        ("50\u00a0000\u00a0000,00", D("50000000.00")),  # as the pages print it
        ("50\u202f000\u202f000", D("50000000")),
        ("50000000", D("50000000")),
        ("50000000,5", D("50000000.5")),
        ("1500.50", D("1500.50")),  # a decimal point cannot be anything else here
        ("50,000,000", D("50000000")),  # the English page's format
        ("50,000,000.00", D("50000000.00")),
        ("50.000.000,00", D("50000000.00")),
        ("50,000", None), ("50.000", None),  # fifty thousand, or fifty?
        ("5 00", None), ("50,000.000,00", None), ("1e5", None), ("-5", None),
        ("0", None), ("1,2345", None)]],
    # Kyrgyz: decimal point, thousands by spaces
    ("ky", "50 000 000.00", D("50000000.00")),
    ("ky", "50 000 000,00", D("50000000.00")),
    ("ky", "1500,50", D("1500.50")),
    ("ky", "50,000,000", D("50000000")),
    ("ky", "50.000", None), ("ky", "50,000", None),
    # English: decimal point, thousands by commas
    ("en", "50,000,000.00", D("50000000.00")),
    ("en", "50,000,000", D("50000000")),
    ("en", "50,000", D("50000")),  # the language's own grouping: not ambiguous
    ("en", "50 000 000.00", D("50000000.00")),
    ("en", "1500.5", D("1500.5")),
    ("en", "50.000", None), ("en", "1,5", None), ("en", "1500,50", None),
    ("en", "50,00,000", None), ("en", "12abc", None), ("en", "", None),
]


@pytest.mark.parametrize("language, typed, expected", TABLE,
                         ids=[f"{lang}:{typed!r}" for lang, typed, _e in TABLE])
def test_amount_is_read_in_the_language_of_the_page(language, typed, expected):
    field = AmountField(places=3, required=True)
    with translation.override(language):
        form_errors = None
        try:
            value = field.clean(typed)
        except Exception as error:  # a ValidationError with its message
            form_errors, value = error.messages, None
    if expected is None:
        assert value is None and form_errors and all(m.strip() for m in form_errors)
    else:
        assert value == expected and form_errors is None


def test_ambiguous_input_says_how_to_write_it():
    field = AmountField()
    with translation.override("en"):
        with pytest.raises(Exception) as refused:
            field.clean("50.000")
    assert "50 000" in " ".join(refused.value.messages)


def test_the_field_says_which_format_it_expects_in_each_language():
    field = AmountField(help_text="In the scheme's currency.")
    with translation.override("ru"):
        assert "50\u00a0000\u00a0000,00" in str(field.help_text)
    with translation.override("en"):
        assert "50,000,000.00" in str(field.help_text)
        assert "50,000,000.00" in str(field.widget_attrs(field.widget)["placeholder"])


def test_a_stored_amount_is_shown_as_the_page_shows_amounts():
    field = AmountField()
    with translation.override("ru"):
        assert field.widget.format_value(D("50000000.50")) == "50\u00a0000\u00a0000,50"
