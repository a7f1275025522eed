"""Who may do what to which project: one place for the role and scope rules.

Services call `require()` so that no caller can skip a rule; views and the API call the same
predicates to decide what to show.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import Forbidden
from .models import Project, Role


def in_scope(user, project: Project) -> bool:
    """Whether the project is in the user's part of the world (read access)."""
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.AUDITOR:
        return True
    if user.role == Role.CLERK:
        return user.mahallas.filter(pk=project.mahalla_id).exists()
    if user.role == Role.OFFICER:
        return project.mahalla.district_id == user.district_id
    if user.role == Role.ADMINISTRATOR:
        return user.region_id is None or project.mahalla.district.region_id == user.region_id
    if user.role == Role.ASSOCIATION:
        return project.association_id == user.association_id
    return False


def is_clerk_of(user, project: Project) -> bool:
    return user.role == Role.CLERK and in_scope(user, project)


def is_officer_of(user, project: Project) -> bool:
    """Officers of the project's district, and administrators of its region."""
    return (user.role in (Role.OFFICER, Role.ADMINISTRATOR) or user.is_superuser) \
        and in_scope(user, project)


def is_association_of(user, project: Project) -> bool:
    return user.role == Role.ASSOCIATION and project.association_id == user.association_id


ACTIONS = {
    "edit": [is_clerk_of],
    "submit": [is_clerk_of],
    "review": [is_officer_of],
    "decide": [is_officer_of],
    "suspend": [is_officer_of],
    "cancel": [is_officer_of, is_clerk_of],
    "start": [is_officer_of],
    "complete": [is_officer_of],
    "close": [is_officer_of],
    "pledge": [is_association_of, is_clerk_of],
    "receipt": [is_clerk_of],
    "evidence": [is_clerk_of, is_officer_of],
    "disburse": [is_officer_of],
}


ACTION_LABELS = {
    "edit": gettext_lazy("edit"), "submit": gettext_lazy("submit"),
    "review": gettext_lazy("review"), "decide": gettext_lazy("decide on"),
    "suspend": gettext_lazy("suspend"), "cancel": gettext_lazy("cancel"),
    "start": gettext_lazy("start"), "complete": gettext_lazy("complete"),
    "close": gettext_lazy("close"), "pledge": gettext_lazy("pledge to"),
    "receipt": gettext_lazy("record receipts of"), "evidence": gettext_lazy("add evidence to"),
    "disburse": gettext_lazy("disburse for"),
}


def can(user, action: str, project: Project) -> bool:
    return any(rule(user, project) for rule in ACTIONS[action])


def require(user, action: str, project: Project) -> None:
    if user is None or not user.is_authenticated or not can(user, action, project):
        raise Forbidden(_("You may not %(action)s project %(code)s.") % {
            "action": ACTION_LABELS[action], "code": project.code})
