"""Template helpers for the web pages: amounts in the reader's locale with their currency,
and bar widths as CSS classes (the Content-Security-Policy forbids inline styles)."""

from decimal import Decimal

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from .. import currencies

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """'40 000 000,00 UZS' in Uzbek or Russian, '40,000,000.00 UZS' in English."""
    if amount in (None, ""):
        return ""
    try:
        places = currencies.minor_unit(currency)
    except ValueError:
        places = 2
    number = formats.number_format(Decimal(amount), decimal_pos=places, use_l10n=True,
                                   force_grouping=True)
    return f"{number}\xa0{currency}"


@register.filter
def rate(value) -> str:
    """An exchange rate with the locale's decimal separator and no needless zeros."""
    if value in (None, ""):
        return ""
    value = Decimal(value).normalize()
    places = max(-value.as_tuple().exponent, 0)
    return formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


@register.simple_tag
def bar_class(part, whole) -> str:
    """`w-N`: the whole-percent width of `part` in `whole` (0 to 100), for CSS bars."""
    part, whole = Decimal(part or 0), Decimal(whole or 0)
    if whole <= 0 or part <= 0:
        return "w-0"
    percent = int((part * 100 / whole).to_integral_value())
    return f"w-{max(1, min(percent, 100))}"


@register.filter
def role_label(role: str) -> str:
    """A scheme party's role in words: 'Migrant association', 'District (hokimiyat)'."""
    from ..models import ASSOCIATION_ROLE, FunderKind

    if role.startswith("top_up_"):  # a top-up's commitment (models.TopUp.role)
        return _("Top-up")
    labels = {ASSOCIATION_ROLE: _("Migrant association"), **dict(FunderKind.choices)}
    return labels.get(role, role)


@register.filter
def bound_label(bound_by: str) -> str:
    """Which limit bound a party's match (rules.compute_match's `bound_by`), in words."""
    labels = {"share": _("its share"), "cap": _("its cap"), "envelope": _("its envelope"),
              "public_share": _("the public-share ceiling"), "top_up": _("the top-up")}
    return labels.get(bound_by, "—")


@register.filter
def sub(value, other):
    """`value - other` for Decimals (what is left of a tranche)."""
    return Decimal(value or 0) - Decimal(other or 0)
