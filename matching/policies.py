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


# who reads complaints: the officers of the project's district, and administrators and auditors
# above them; never a clerk or an association (a complaint may be about them), and its
# contact never leaves these roles
COMPLAINT_READERS = frozenset({Role.OFFICER, Role.ADMINISTRATOR, Role.AUDITOR})


def scope_mahallas_sql(user) -> tuple[str, list] | None:
    """Where `scope_q(user)` is "the projects of a set of mahallas" (a clerk's, an officer's
    district's, a regional administrator's region's), a statement selecting those mahallas'
    ids, with its parameters; None where the scope is not such a set (everything, an
    association's, nothing). A list newest first then reads each mahalla's newest in index
    order and merges them, instead of sorting the whole scope (matching/prepared.py);
    tests/api/test_scope_pages.py holds it equal to scope_q for every kind of user."""
    role = role_of(user)
    if role == Role.CLERK:
        return "SELECT mahalla_id FROM matching_user_mahallas WHERE user_id = %s", [user.pk]
    if role == Role.OFFICER:
        return "SELECT id FROM matching_mahalla WHERE district_id = %s", [user.district_id]
    if role == Role.ADMINISTRATOR and not user.is_superuser and user.region_id is not None:
        return ("SELECT mh.id FROM matching_mahalla mh JOIN matching_district d "
                "ON d.id = mh.district_id WHERE d.region_id = %s", [user.region_id])
    return None


def complaint_scope_q(user, prefix: str = "") -> Q:
    """A filter on Complaint (through `prefix`) that keeps what `user` may read."""
    if role_of(user) not in COMPLAINT_READERS:
        return NOTHING
    return scope_q(user, f"{prefix}project__")


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
    "withdraw": frozenset({Role.CLERK}),
    "submit": frozenset({Role.CLERK}),
    "review": OFFICERS,
    "decide": OFFICERS,
    "suspend": OFFICERS,
    "cancel": OFFICERS,
    "start": OFFICERS | {Role.CLERK},
    # the clerk, with the handover act signed off by the oversight committee (services.works)
    "complete": frozenset({Role.CLERK}),
    # milestones, progress reports, the oversight committee and its sign-off
    "works": frozenset({Role.CLERK}),
    "close": OFFICERS,
    "pledge": frozenset({Role.ASSOCIATION, Role.CLERK}),
    "receipt": frozenset({Role.CLERK}),
    # a receipt held for being far beyond the project's cost (bounds.hold_receipt)
    "confirm_receipt": OFFICERS,
    "evidence": OFFICERS | {Role.CLERK},
    "disburse": OFFICERS,
    "answer_complaint": OFFICERS,
    # refund or reverse a receipt: an officer, and never the one who recorded it (the
    # service checks that)
    "undo_receipt": OFFICERS,
    # cover a funding gap: a funder's top-up (which funders: may_commit_funder), or the
    # association raising its own share, which the association may also do itself
    "top_up": OFFICERS,
    "raise_share": OFFICERS | {Role.ASSOCIATION},
    # not about a project: the outbox's failed and dead-lettered events (web/outbox.py)
    "outbox_read": frozenset({Role.ADMINISTRATOR, Role.AUDITOR}),
    "outbox_replay": frozenset({Role.ADMINISTRATOR}),
    "apply": frozenset({Role.CLERK}),  # to a call for applications
}

ACTION_LABELS = {
    "edit": gettext_lazy("edit"), "withdraw": gettext_lazy("withdraw"),
    "submit": gettext_lazy("submit"),
    "review": gettext_lazy("review"), "decide": gettext_lazy("decide on"),
    "suspend": gettext_lazy("suspend"), "cancel": gettext_lazy("cancel"),
    "start": gettext_lazy("start"), "complete": gettext_lazy("complete"),
    "close": gettext_lazy("close"), "pledge": gettext_lazy("pledge to"),
    "receipt": gettext_lazy("record receipts of"), "evidence": gettext_lazy("add evidence to"),
    "disburse": gettext_lazy("disburse for"), "works": gettext_lazy("report on the works of"),
    "answer_complaint": gettext_lazy("answer complaints about"),
    "undo_receipt": gettext_lazy("refund or reverse receipts of"),
    "top_up": gettext_lazy("top up"), "raise_share": gettext_lazy("raise the share of"),
    "confirm_receipt": gettext_lazy("confirm receipts of"),
    "outbox_read": gettext_lazy("read the outbox of"),
    "outbox_replay": gettext_lazy("replay the outbox of"),
    "apply": gettext_lazy("apply to a call with"),
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


# --- programme setup ------------------------------------------------------------------------
# Places, schemes, funders, envelopes, associations and users are managed by administrators:
# a programme-wide one manages everything, a regional one only what lies in his region (the
# reads layer's `Model.objects.managed_by(user)` filters by `region_q`). Out of his region
# answers exactly like missing (404), as for projects.

def is_administrator(user) -> bool:
    return role_of(user) == Role.ADMINISTRATOR


def programme_wide(user) -> bool:
    """An administrator of the whole programme (no region), or a superuser."""
    return is_administrator(user) and (user.is_superuser or user.region_id is None)


def region_q(user, paths: tuple[str, ...]) -> Q:
    """A filter keeping the records whose region (reached by any of `paths`) the user
    administers; everything for a programme-wide administrator, nothing for anyone else."""
    if not is_administrator(user):
        return NOTHING
    if programme_wide(user):
        return Q()
    q = NOTHING
    for path in paths:
        q |= Q(**{path: user.region_id})
    return q


def may_edit_schemes(user) -> bool:
    """Scheme rules are national: only a programme-wide administrator writes them; a
    regional administrator reads them."""
    return programme_wide(user)


def require_administrator(user) -> None:
    if not is_administrator(user):
        raise Forbidden(_("Only programme administrators may do this."))


def may_commit_funder(user, funder, envelope) -> bool:
    """Whether `user` may commit `funder`'s money to a top-up (DOMAIN.md, table of actions):
    an administrator any funder with an envelope under the project's scheme, and a private
    sponsor even without one; an officer only the funders of his own district (its hokimiyat
    and its mahalla committees), from their envelopes."""
    role = role_of(user)
    if role == Role.ADMINISTRATOR:
        return envelope is not None or funder.kind == "sponsor"
    if role == Role.OFFICER and envelope is not None:
        return user.district_id is not None and user.district_id in (
            funder.district_id, funder.mahalla.district_id if funder.mahalla_id else None)
    return False


def top_up_funders(user, scheme):
    """The funders `user` may offer a top-up for under `scheme` (may_commit_funder as a
    queryset, for the forms)."""
    from .models import Funder  # noqa: PLC0415

    role = role_of(user)
    with_envelope = Q(envelopes__scheme=scheme)
    if role == Role.ADMINISTRATOR:
        return Funder.objects.filter(with_envelope | Q(kind="sponsor")).distinct()
    if role == Role.OFFICER:
        return Funder.objects.filter(with_envelope, Q(district_id=user.district_id)
                                     | Q(mahalla__district_id=user.district_id)).distinct()
    return Funder.objects.none()


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


# --- selection rounds (calls) -----------------------------------------------------------------
# A call is run by the administrators who manage it (`Call.objects.managed_by`: a regional call
# by its region's and the programme's, a national call by the programme's); its committee
# members read its inside and score; auditors read everything. Everyone reads a call's public
# page (criteria and weights from its opening, results after its decisions).

def call_scope_q(user, prefix: str = "") -> Q:
    """A filter on Call (or, with `prefix` like "call__", on a model pointing to one) keeping
    the calls whose inside `user` may read."""
    role = role_of(user)
    if role == Role.AUDITOR:
        return Q()
    if role == Role.ADMINISTRATOR:
        return region_q(user, (f"{prefix}region",))
    if role == Role.COMMITTEE:
        from .models import CommitteeMember  # noqa: PLC0415

        return Q(**{f"{prefix}id__in": CommitteeMember.objects.filter(user=user)
                    .values("call_id")})
    return NOTHING


def may_run_call(user, call) -> bool:
    """Whether `user` runs `call` (sets it up, adds members, holds sessions, allocates,
    decides): an administrator who manages it."""
    from .models import Call  # noqa: PLC0415

    return is_administrator(user) and Call.objects.managed_by(user).filter(pk=call.pk).exists()


def require_running(user, call) -> None:
    if not may_run_call(user, call):
        raise Forbidden(_("Only the administrators who run call %(code)s may do this.")
                        % {"code": call.code})


def seat_of(user, call):
    """The user's seat on the call's committee, or None."""
    if role_of(user) != Role.COMMITTEE:
        return None
    return call.members.filter(user=user).first()


def interested(member, application) -> bool:
    """Whether the member declared an interest in the application's mahalla or association:
    he then neither scores nor votes on it."""
    return member.interests.filter(Q(mahalla_id=application.mahalla_id)
                                   | Q(association_id=application.association_id)).exists()


def sheets_visible_q(user) -> Q:
    """Score sheets `user` may read. Everyone: those of decided calls (the results are
    public). A member: his own, and the others' of an application once he has submitted his
    own for it (never before: each scores independently). The administrators who run the call
    and auditors: all of it, as they score nothing."""
    public = Q(application__call__status="decided")
    role = role_of(user)
    if role == Role.AUDITOR or programme_wide(user):
        return Q()  # (never `public | Q()`: an empty Q joins an OR as nothing, not as all)
    if role == Role.ADMINISTRATOR:
        return public | region_q(user, ("application__call__region",))
    if role == Role.COMMITTEE:
        from .models import ScoreSheet  # noqa: PLC0415

        return public | Q(application__in=ScoreSheet.objects.filter(member__user=user)
                          .values("application"))
    return public
