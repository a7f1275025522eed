"""What the setup pages share: the administrators' door and look-ups in their region."""

from django.shortcuts import get_object_or_404

from ... import policies
from ..common import role_required

admin_required = role_required(policies.is_administrator)


def managed(queryset, user, **lookup):
    """One record the administrator manages; anything else (another region's) answers 404."""
    return get_object_or_404(queryset.managed_by(user), **lookup)
