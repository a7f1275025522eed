"""Form fields that read what people type the way the page showed it to them."""

from decimal import Decimal

from django import forms
from django.utils import formats
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _

from .. import amounts, currencies


def separators() -> tuple[str, str]:
    """The active language's decimal and grouping separators."""
    return formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")


class AmountInput(forms.TextInput):
    """A text box (not type=number, which would refuse grouped digits) that phones open on
    their numeric keypad; a value is shown as the pages show amounts."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, Decimal):
            return formats.number_format(value, use_l10n=True, force_grouping=True)
        return super().format_value(value)


class AmountField(forms.Field):
    """An amount in the user's language's format (`50 000 000,00`, `50,000,000.00`) or plain
    digits; ambiguous text (`50,000` in Russian) is refused with a message, never guessed.
    Cleans to a Decimal with at most `places` decimals, above zero unless `allow_zero`."""

    widget = AmountInput
    def __init__(self, *, places: int = 3, allow_zero: bool = False, help_text="", **kwargs):
        self.places, self.allow_zero = places, allow_zero
        # the expected format, in the language of the page that renders the field
        hint = lazy(_format_hint, str)()
        help_text = format_lazy("{} {}", help_text, hint) if help_text else hint
        super().__init__(help_text=help_text, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["placeholder"] = lazy(_example, str)()
        return attrs

    def to_python(self, value):
        if isinstance(value, Decimal):
            return value
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 40:
            raise forms.ValidationError(_("Not a valid amount."), code="format")
        decimal, group = separators()
        amount, problem = amounts.read(value, decimal=decimal, group=group)
        if problem:
            raise forms.ValidationError(_(problem), code="format")
        problem = currencies.amount_error(amount, self.places, positive=not self.allow_zero)
        if problem:
            raise forms.ValidationError(_(problem), code="format")
        return amount


def _example() -> str:
    decimal, group = separators()
    return amounts.example(decimal=decimal, group=group)


def _format_hint() -> str:
    return _("Write it as %(example)s, or in plain digits.") % {"example": _example()}
