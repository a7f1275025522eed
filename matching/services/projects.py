"""A project's lifecycle: an explicit transition table, eligibility, and the services that
move a project through it. Money moves in services.money and services.approvals."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies, outbox, policies, querysets
from ..errors import InvalidInput, NotAllowed
from ..models import (Category, MigrantAssociation, Project, ProjectStatus,
                      Receipt, Scheme, StatusChange, TopUp, TopUpStatus)
from .base import service

S = ProjectStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    # a draft is withdrawn by its clerk (services.drafts); cancelling is for projects in the
    # programme
    S.DRAFT: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW, S.SUSPENDED, S.CANCELLED}),
    S.UNDER_REVIEW: frozenset({S.APPROVED, S.CONDITIONALLY_APPROVED, S.DEFERRED, S.REJECTED,
                               S.SUSPENDED, S.CANCELLED}),
    S.DEFERRED: frozenset({S.UNDER_REVIEW, S.CANCELLED}),
    S.APPROVED: frozenset({S.FUNDING, S.SUSPENDED, S.CANCELLED}),
    S.CONDITIONALLY_APPROVED: frozenset({S.FUNDING, S.SUSPENDED, S.CANCELLED}),
    S.FUNDING: frozenset({S.FUNDED, S.SUSPENDED, S.CANCELLED}),
    S.FUNDED: frozenset({S.FUNDING, S.IN_PROGRESS, S.SUSPENDED, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.COMPLETED, S.SUSPENDED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    # a suspended project resumes where it was (checked in project_resume)
    S.SUSPENDED: frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED, S.CONDITIONALLY_APPROVED,
                            S.FUNDING, S.FUNDED, S.IN_PROGRESS, S.CANCELLED}),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# states in which a project holds (or may hold) money and a reservation (the reads layer
# names them too: querysets.OPEN_STATES)
OPEN_STATES = frozenset(S(state) for state in querysets.OPEN_STATES)
WON_STATES = OPEN_STATES | {S.COMPLETED, S.CLOSED}
# states in which no more money may come in
MONEY_CLOSED_STATES = frozenset({S.REJECTED, S.COMPLETED, S.CLOSED, S.CANCELLED, S.WITHDRAWN})


def lock(project: Project) -> Project:
    """Re-read the project under a row lock. Every service that changes a project's state or
    money takes this lock first, then any envelope locks in id order: one fixed order, so two
    transactions never wait on each other in a cycle."""
    return (Project.objects.select_for_update(of=("self",))
            .select_related("scheme", "association", "mahalla__district")
            .get(pk=project.pk))


def require_transition(project: Project, to: str) -> None:
    """Refuse, with the reason in plain words, a move the transition table does not allow."""
    if to not in TRANSITIONS[project.status]:
        raise NotAllowed(_("A project that is %(from)s cannot become %(to)s.") % {
            "from": ProjectStatus(project.status).label, "to": ProjectStatus(to).label},
            code="transition_not_allowed")


def transition(project: Project, to: str, *, actor, reason: str = "",
               also: tuple[str, ...] = (), confirmed_by=None, evidence=None) -> StatusChange:
    """Move a locked project to `to`, or refuse and change nothing. `also` names fields the
    caller set on the project that belong to the same change (one audit event, not two);
    `confirmed_by`, the second officer of a decision; `evidence`, what the change rests on."""
    require_transition(project, to)
    change = StatusChange.objects.create(project=project, from_status=project.status,
                                         to_status=to, reason=reason, actor=actor,
                                         confirmed_by=confirmed_by, evidence=evidence)
    project.status = to
    project.save(update_fields=["status", "updated_at", *also])
    outbox.emit("project.status_changed", project_id=project.pk, change_id=change.pk,
                from_status=change.from_status, to_status=to)
    return change


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give a reason: it is kept and published."), field="reason")
    return reason


# --- eligibility --------------------------------------------------------------------------

@dataclass
class Eligibility:
    """What the rules say of a project as it stands: every problem found, and whether every
    rule could be checked (a form half filled in checks only what its inputs allow)."""

    problems: list[str]
    complete: bool


def check_eligibility(*, mahalla=None, association=None, scheme=None, category=None,
                      cost: Decimal | None = None, exclude: int | None = None,
                      on: datetime.date | None = None) -> Eligibility:
    """Run each rule whose inputs are given: the association's registration, the home
    mahalla, the eligible categories, the maximum cost, the open-project gate and the
    repeat-winner bar. `exclude` is the project itself (its own state is no bar)."""
    on = on or timezone.localdate()
    problems = []
    if association is not None:
        association_problem = association.registration_problem(on)
        if association_problem:
            problems.append(association_problem)
    if association is not None and mahalla is not None and not \
            association.home_mahallas.filter(pk=mahalla.pk).exists():
        problems.append(_("%(mahalla)s is not a home mahalla of %(association)s.") % {
            "mahalla": mahalla.name, "association": association.name})
    if scheme is not None and category and scheme.eligible_categories \
            and category not in scheme.eligible_categories:
        label = Category(category).label if category in Category.values else category
        problems.append(_("The category %(category)s is not eligible under %(scheme)s.") % {
            "category": label, "scheme": scheme.name})
    if scheme is not None and cost is not None and scheme.max_project_cost is not None \
            and cost > scheme.max_project_cost:
        problems.append(_("The cost %(cost)s is above the scheme's maximum of %(max)s.") % {
            "cost": currencies.format_amount(cost, scheme.currency),
            "max": currencies.format_amount(scheme.max_project_cost, scheme.currency)})
    if mahalla is not None and scheme is not None:
        others = Project.objects.filter(mahalla_id=mahalla.pk)
        if exclude is not None:
            others = others.exclude(pk=exclude)
        if scheme.block_with_overdue_project and others.filter(
                status__in=OPEN_STATES, deadline__lt=on).exists():
            problems.append(_("This mahalla has a project still open past its deadline."))
        if scheme.win_cooldown_seasons:
            first_allowed = scheme.fiscal_year - scheme.win_cooldown_seasons
            if others.filter(status__in=WON_STATES, scheme__fiscal_year__gte=first_allowed,
                             scheme__fiscal_year__lte=scheme.fiscal_year).exists():
                problems.append(_("This mahalla won a project in the last %(n)s seasons.") % {
                    "n": scheme.win_cooldown_seasons})
    complete = None not in (mahalla, association, scheme, cost) and bool(category)
    return Eligibility(problems, complete)


def project_eligibility(project: Project, *, on: datetime.date | None = None) -> Eligibility:
    return check_eligibility(mahalla=project.mahalla, association=project.association,
                             scheme=project.scheme, category=project.category,
                             cost=project.cost, exclude=project.pk, on=on)


def eligibility_problems(project: Project, *, on: datetime.date | None = None) -> list[str]:
    """Every reason the project may not go forward under its scheme, in plain words."""
    return project_eligibility(project, on=on).problems


def require_eligible(project: Project) -> None:
    problems = eligibility_problems(project)
    if problems:
        raise NotAllowed(" ".join(problems), code="not_eligible")


# --- services -----------------------------------------------------------------------------

def _next_id() -> int:
    # the project's id, taken from its sequence first, also numbers its public code: unique
    # without a counter row to lock
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('matching_project', 'id'))")
        return cursor.fetchone()[0]


def check_draft(*, actor, mahalla, scheme: Scheme, category: str, cost, title: str) -> str:
    """What a clerk may put in a draft (new or edited): her own mahalla, a scheme that takes
    projects, a known category, a cost in the scheme currency's minor unit, a title. Returns
    the title, trimmed."""
    if not (actor.is_superuser or actor.mahallas.filter(pk=mahalla.pk).exists()):
        raise NotAllowed(_("You may only register projects in your own mahallas."),
                         field="mahalla", code="forbidden")
    if not scheme.is_active:
        raise NotAllowed(_("Scheme %(code)s does not accept projects.") % {"code": scheme.code},
                         field="scheme")
    if category not in Category.values:
        raise InvalidInput(_("Unknown category."), field="category")
    problem = currencies.amount_error(str(cost), currencies.minor_unit(scheme.currency),
                                      positive=True)
    if problem:
        raise InvalidInput(problem, field="cost")
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Give the project a title."), field="title")
    return title


@service
def project_create(*, actor, mahalla, association: MigrantAssociation, scheme: Scheme,
                   category: str, title: str, cost: Decimal, description: str = "",
                   executor: str = "", executor_kind: str = "contractor",
                   deadline: datetime.date | None = None) -> Project:
    title = check_draft(actor=actor, mahalla=mahalla, scheme=scheme, category=category,
                        cost=cost, title=title)
    number = _next_id()
    project = Project(id=number, code=f"{scheme.country.code}-{scheme.fiscal_year}-{number:06d}",
                      mahalla=mahalla, association=association, scheme=scheme,
                      category=category, title=title, cost=cost,
                      currency=scheme.currency, description=description, executor=executor,
                      executor_kind=executor_kind, deadline=deadline, created_by=actor)
    project.save()
    StatusChange.objects.create(project=project, to_status=S.DRAFT, actor=actor)
    return project


@service
def project_submit(*, project: Project, actor) -> Project:
    project = lock(project)
    policies.require(actor, "submit", project)
    require_eligible(project)
    project.submitted_by, project.submitted_at = actor, timezone.now()
    transition(project, S.SUBMITTED, actor=actor, also=("submitted_by", "submitted_at"))
    return project


def require_not_awaiting_call(project: Project) -> None:
    """A project that applied to a call is decided by the call's committee (services.selection
    records its decisions through this same path, after writing the call's decision), not one
    by one as it comes."""
    from ..models import Application  # noqa: PLC0415

    waiting = (Application.objects.active().filter(project=project, decision__isnull=True,
                                                   call__status__in=("open", "closed"))
               .select_related("call").first())
    if waiting is not None:
        raise NotAllowed(_("Project %(code)s applied to call %(call)s: the call's committee "
                           "decides it.") % {"code": project.code, "call": waiting.call.code},
                         code="in_call")


def require_not_submitter(project: Project, actor) -> None:
    if project.submitted_by_id == actor.pk:
        raise NotAllowed(_("You submitted this project: another officer must review it."),
                         code="four_eyes")


def require_four_eyes(project: Project, actor) -> None:
    """Whoever submitted a project or recorded one of its receipts never reviews or decides
    on it (DOMAIN.md, "Separation of duties")."""
    require_not_submitter(project, actor)
    if Receipt.objects.filter(project=project, recorded_by=actor).exists():
        raise NotAllowed(_("You recorded a receipt on this project: another officer must "
                           "decide on it."), code="four_eyes")


def decided_by_committee(project: Project) -> bool:
    """Whether a call's committee has decided on the project (services.selection writes the
    call's decision, then runs it through this path): a quorate, minuted collective decision
    needs no second officer's confirmation."""
    from ..models import Application  # noqa: PLC0415

    # only while the call's decisions are being recorded (the call turns "decided" after):
    # an earlier call's decision exempts no later decision taken one by one
    return Application.objects.active().filter(project=project, decision__isnull=False,
                                               call__status="closed").exists()


def needs_second_officer(project: Project) -> bool:
    """A scheme may ask that decisions on projects costing more than its threshold be
    confirmed by a second officer."""
    threshold = project.scheme.second_officer_threshold
    return threshold is not None and project.cost > threshold


def decided_by(project: Project, actor, proposal) -> tuple:
    """Who took a decision and who confirmed it: (actor, None), or, for a decision that
    waited for a second officer, (its first officer, actor). Refuses a decision that needs a
    confirmation and has none, or whose confirmer is its first officer."""
    if proposal is None:
        if needs_second_officer(project) and not decided_by_committee(project):
            raise NotAllowed(_("Decisions on projects costing more than %(threshold)s need a "
                               "second officer's confirmation.") % {
                "threshold": currencies.format_amount(project.scheme.second_officer_threshold,
                                                      project.currency)},
                code="second_officer_required")
        return actor, None
    if proposal.project_id != project.pk:
        raise InvalidInput(_("That decision is about another project."), field="decision")
    if proposal.proposed_by_id == actor.pk:
        raise NotAllowed(_("You took this decision: a second officer must confirm it."),
                         code="four_eyes")
    # only its confirmation runs it (services.decisions.decision_confirm claims it first)
    if proposal.status != "confirmed" or proposal.resolved_by_id != actor.pk:
        raise NotAllowed(_("This decision was already confirmed or sent back."),
                         code="already_resolved")
    return proposal.proposed_by, actor


@service
def project_review_start(*, project: Project, actor) -> Project:
    """An officer takes a submitted (or deferred) project into review."""
    project = lock(project)
    policies.require(actor, "review", project)
    require_four_eyes(project, actor)
    transition(project, S.UNDER_REVIEW, actor=actor)
    return project


@service
def project_decide(*, project: Project, actor, decision: str, reason: str,
                   proposal=None) -> Project:
    """Defer to a later session or reject, with a reason. Approvals: services.approvals.
    Above the scheme's second-officer threshold only a confirmation (services.decisions)
    runs it, with the first officer's `proposal`."""
    if decision not in (S.DEFERRED, S.REJECTED):
        raise InvalidInput(_("Decide to defer or to reject here."), field="decision")
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "decide", project)
    require_four_eyes(project, actor)
    require_not_awaiting_call(project)
    author, confirmer = decided_by(project, actor, proposal)
    project.decided_at = timezone.now()
    transition(project, decision, actor=author, reason=reason, also=("decided_at",),
               confirmed_by=confirmer)
    if decision == S.REJECTED:  # nothing left for them to cover (a deferral keeps them)
        TopUp.objects.filter(project=project, status=TopUpStatus.OFFERED).update(
            status=TopUpStatus.WITHDRAWN)
    return project


@service
def project_suspend(*, project: Project, actor, reason: str) -> Project:
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "suspend", project)
    transition(project, S.SUSPENDED, actor=actor, reason=reason)
    return project


@service
def project_resume(*, project: Project, actor, reason: str) -> Project:
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "suspend", project)
    if project.status != S.SUSPENDED:
        raise NotAllowed(_("Only a suspended project can resume."))
    before = project.timeline.filter(to_status=S.SUSPENDED).latest("at", "id").from_status
    transition(project, before, actor=actor, reason=reason)
    return project


