"""Who may do what to which record: the one place for the role and scope rules.

Two questions, answered here and nowhere else:

- **scope** (`scope_q`, and its SQL twin `scope_sql` for the hand-written hot reads): which
  projects a user may read at all. A clerk sees her mahallas, an officer his district, an
  administrator his region (or everything), an association its own projects, an auditor
  everything. `Project.objects.visible_to(user)` and the other models' `visible_to` (see
  `querysets.py`) filter by it; out of scope reads exactly like missing.
- **action** (`can`, `require`, `role_may`): which roles may do an action, on a project in
  their scope. Services call `require()` so that no caller can skip a rule; the web, the API
  and the imports call `can()` / `role_may()` to decide what to offer.

A superuser counts as a programme administrator of the whole country.
"""

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import Forbidden
from .models import Role

NOTHING = Q(pk__in=[])


def role_of(user) -> str | None:
    """The role that decides for `user`, or None for the anonymous."""
    if not user or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    return user.role or None


def scope_q(user, prefix: str = "") -> Q:
    """A filter on Project (or, with `prefix` like "project__", on a model that points to
    one) that keeps only what `user` may read."""
    role = role_of(user)
    if role is None:
        return NOTHING
    if role == Role.AUDITOR or (role == Role.ADMINISTRATOR
                                and (user.is_superuser or user.region_id is None)):
        return Q()
    if role == Role.CLERK:
        from .models import Mahalla  # noqa: PLC0415 (models import querysets, which import us)

        return Q(**{f"{prefix}mahalla__in": Mahalla.objects.filter(clerks=user).values("pk")})
    if role == Role.OFFICER:
        return Q(**{f"{prefix}mahalla__district_id": user.district_id})
    if role == Role.ADMINISTRATOR:
        return Q(**{f"{prefix}mahalla__district__region_id": user.region_id})
    if role == Role.ASSOCIATION:
        return Q(**{f"{prefix}association_id": user.association_id})
    return NOTHING


def scope_sql(user) -> tuple[str, dict]:
    """`scope_q(user)` as a condition for hand-written SQL over a project `p` and its
    district `d`, with its parameters (tests/api/test_prepared_reads.py holds the two equal
    for every kind of user)."""
    role = role_of(user)
    if role is None:
        return "FALSE", {}
    if role == Role.AUDITOR or (role == Role.ADMINISTRATOR
                                and (user.is_superuser or user.region_id is None)):
        return "TRUE", {}
    if role == Role.CLERK:
        return ("p.mahalla_id IN (SELECT mahalla_id FROM matching_user_mahallas "
                "WHERE user_id = %(scope)s)", {"scope": user.pk})
    if role == Role.OFFICER:
        return "d.id = %(scope)s", {"scope": user.district_id}
    if role == Role.ADMINISTRATOR:
        return "d.region_id = %(scope)s", {"scope": user.region_id}
    if role == Role.ASSOCIATION:
        return "p.association_id = %(scope)s", {"scope": user.association_id}
    return "FALSE", {}


def in_scope(user, project) -> bool:
    """Whether the project is in the user's part of the world (read access)."""
    from .models import Project  # noqa: PLC0415

    return role_of(user) is not None and Project.objects.visible_to(user).filter(
        pk=project.pk).exists()


OFFICERS = frozenset({Role.OFFICER, Role.ADMINISTRATOR})

# action → the roles that may do it, on a project in their scope
ACTIONS: dict[str, frozenset[str]] = {
    "edit": frozenset({Role.CLERK}),
    "submit": frozenset({Role.CLERK}),
    "review": OFFICERS,
    "decide": OFFICERS,
    "suspend": OFFICERS,
    "cancel": OFFICERS | {Role.CLERK},
    "start": OFFICERS,
    "complete": OFFICERS,
    "close": OFFICERS,
    "pledge": frozenset({Role.ASSOCIATION, Role.CLERK}),
    "receipt": frozenset({Role.CLERK}),
    "evidence": OFFICERS | {Role.CLERK},
    "disburse": OFFICERS,
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


def role_may(user, action: str) -> bool:
    """Whether the user's role may do `action` on some project (scope aside): what a page or
    an import offers before it knows the project."""
    return role_of(user) in ACTIONS[action]


def can(user, action: str, project) -> bool:
    return role_may(user, action) and in_scope(user, project)


def require(user, action: str, project) -> None:
    if not can(user, action, project):
        raise Forbidden(_("You may not %(action)s project %(code)s.") % {
            "action": ACTION_LABELS[action], "code": project.code})


def is_officer_like(user) -> bool:
    """Officers, administrators and superusers: the review and decision pages."""
    return role_of(user) in OFFICERS


# --- background jobs (matching/jobs) ---------------------------------------------------------

def job_scope_q(user, session_key: str = "") -> Q:
    """The jobs a user may read: his own; a visitor's own (by his session); an auditor reads
    every job (and a superuser)."""
    role = role_of(user)
    if role == Role.AUDITOR or (user is not None and getattr(user, "is_superuser", False)):
        return Q()
    if role is not None:
        return Q(author_id=user.pk)
    if session_key:
        return Q(author__isnull=True, session_key=session_key)
    return NOTHING


def may_cancel_job(user, job, session_key: str = "") -> bool:
    """Only the job's own author (or visitor) stops it; the auditors only read."""
    if job.author_id is not None:
        return role_of(user) is not None and job.author_id == user.pk
    return bool(session_key) and job.session_key == session_key


def may_recompute(user) -> bool:
    """Re-matching a fiscal year: the programme administrators (within their region)."""
    return role_of(user) == Role.ADMINISTRATOR
