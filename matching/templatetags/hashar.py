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


@register.filter
def place(value) -> str:
    """A region, district or mahalla by its name in the reader's language (places.py)."""
    from ..places import local_name

    return local_name(value)


@register.filter
def category_label(value: str) -> str:
    from ..models import Category

    return Category(value).label if value in Category.values else value


@register.filter
def pretty_json(value) -> str:
    import json

    return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True)


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    """The current list's address with its filters kept and page `number`."""
    query = context["request"].GET.copy()
    query["page"] = number
    return "?" + query.urlencode()


@register.filter
def public_role(user) -> str:
    """The role of whoever took a decision, never the person: 'Municipal officer'."""
    from ..models import Role
    from ..policies import role_of

    role = role_of(user) if user is not None else None
    return str(Role(role).label) if role in Role.values else "—"


@register.filter
def late(complaint, today) -> bool:
    """Whether a complaint was (or is being) answered after its 15 days."""
    return complaint.late_on(today)


@register.filter
def number(value, places=0) -> str:
    """A figure (an index, days) with the reader's separators: '0,2667' in Russian."""
    if value in (None, ""):
        return "—"
    return formats.number_format(Decimal(value), decimal_pos=int(places), use_l10n=True,
                                 force_grouping=True)


@register.filter
def breakable(text: str) -> str:
    """An amount whose currency may go under it in a narrow column ('…00 UZS' with a plain
    space before the currency; the digits stay together)."""
    head, sep, tail = str(text).rpartition("\xa0")
    return f"{head} {tail}" if sep and tail.isalpha() else str(text)
