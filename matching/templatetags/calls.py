"""`{% project_calls project user %}`: on a clerk's project page, the calls it may apply to
and its applications (kept here so that the project page needs one line)."""

from django import template
from django.utils import timezone

from .. import policies
from ..models import Application, Call

register = template.Library()


@register.inclusion_tag("web/clerk/_calls.html")
def project_calls(project, user):
    return {"project": project,
            "may_apply": policies.can(user, "apply", project),
            "open_calls": Call.objects.open_for(project, timezone.localdate()),
            "applications": Application.objects.filter(project=project)
            .select_related("call").order_by("-applied_at")}


@register.filter
def points(hundredths) -> str:
    """A score kept in hundredths of a point, as points: 8125 → 81.25."""
    from decimal import Decimal

    from django.utils import formats

    if hundredths in (None, ""):
        return ""
    return formats.number_format(Decimal(hundredths) / 100, decimal_pos=2, use_l10n=True)


@register.filter
def lookup(mapping, key):
    """`mapping[key]` in a template (None when missing)."""
    return mapping.get(key) if mapping else None
