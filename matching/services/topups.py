"""Top-ups: covering a funding gap that a cap or the public-share ceiling opened (DOMAIN.md
"Match rules", step 4), before the decision. The approval reserves them like any commitment
(services.approvals.project_approve); here they are offered and withdrawn, and read for the
arithmetic."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from .. import currencies, policies, rules
from ..errors import InvalidInput, NotAllowed
from ..models import (BudgetEnvelope, DecisionStatus, Funder, PendingDecision, Project,
                      ProjectStatus, TopUp, TopUpStatus)
from .base import service
from .projects import lock, require_reason
from .schemes import current_version, envelopes_for, funder_for, rules_of

S = ProjectStatus
ZERO = Decimal("0.00")
# a gap is covered before the decision: once approved, the match keeps what it was given
OPEN_TO_TOP_UPS = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.DEFERRED})


def match_top_ups(project_ids, *, statuses=(TopUpStatus.COMMITTED,)) \
        -> dict[int, tuple[list[rules.TopUp], Decimal]]:
    """Per project: its funders' top-ups as the arithmetic takes them, and the association's
    raise (`as_match`). One query for any number of projects."""
    by_project: dict[int, list[TopUp]] = defaultdict(list)
    for top_up in (TopUp.objects.filter(project__in=project_ids, status__in=statuses)
                   .select_related("funder").order_by("id")):
        by_project[top_up.project_id].append(top_up)
    found: dict[int, tuple[list[rules.TopUp], Decimal]] = defaultdict(lambda: ([], ZERO))
    found.update({pk: as_match(top_ups) for pk, top_ups in by_project.items()})
    return found


def as_match(top_ups: list[TopUp]) -> tuple[list[rules.TopUp], Decimal]:
    """Top-ups (their funders read) as compute_match takes them: the funders' and the
    association's raise."""
    return ([rules.TopUp(t.role, t.amount, t.funder.name) for t in top_ups if t.funder_id],
            sum((t.amount for t in top_ups if t.funder_id is None), ZERO))


def offered_top_ups(project: Project) -> list[TopUp]:
    return list(TopUp.objects.filter(project=project, status=TopUpStatus.OFFERED)
                .select_related("funder", "envelope").order_by("id"))


def preview_match(project: Project, *, offered: list[TopUp] | None = None,
                  extra: TopUp | None = None) -> rules.MatchResult:
    """The match under the scheme's current rules with the top-ups offered so far (read here
    unless given) and `extra`, against what is left in the envelopes now: what a decision
    would give."""
    rules_ = rules_of(current_version(project.scheme))
    top_ups, raised = as_match(offered_top_ups(project) if offered is None else offered)
    if extra is not None and extra.funder_id is None:
        raised += extra.amount
    elif extra is not None:
        top_ups = [*top_ups, rules.TopUp("top_up_new", extra.amount, extra.funder.name)]
    roles = [p.role for p in rules_.co_funders]
    envelopes = {role: e.available for role, e in envelopes_for(project, roles).items()}
    return rules.compute_match(rules_, cost=project.cost, received=project.received,
                               category=project.category, envelopes=envelopes,
                               top_ups=top_ups, raised=raised)


def _require_open(project: Project) -> None:
    if project.status not in OPEN_TO_TOP_UPS:
        raise NotAllowed(_("A gap is covered before the decision: project %(code)s is "
                           "%(status)s.") % {"code": project.code,
                                             "status": project.get_status_display()},
                         code="transition_not_allowed")
    if PendingDecision.objects.filter(project=project, status=DecisionStatus.PENDING).exists():
        raise NotAllowed(_("A decision on this project waits for a second officer: it must "
                           "be confirmed or sent back first."), code="decision_pending")


def _envelope_room(project: Project, funder: Funder, envelope: BudgetEnvelope | None,
                   amount: Decimal, result: rules.MatchResult) -> None:
    """A funder tops up only from room in its envelope: what is available, less what this
    project's own share would reserve from it. Checked again, under the lock, at approval."""
    if envelope is None:
        return
    envelope = BudgetEnvelope.objects.get(pk=envelope.pk)
    own_share = sum((result.targets[p] for p in result.matches
                     if funder_for(project, p) == funder), ZERO)
    room = envelope.available - own_share
    if amount > room:
        raise NotAllowed(_("%(funder)s has %(room)s left in its envelope for this project.")
                         % {"funder": funder.name,
                            "room": f"{currencies.format_amount(max(room, ZERO), project.currency)} "
                                    f"{project.currency}"}, field="amount", code="envelope_short")


@service
def top_up_offer(*, project: Project, actor, amount, reason: str,
                 funder: Funder | None = None) -> TopUp:
    """Offer a top-up of the project's gap: `funder`'s extra commitment, or, without a funder,
    the association raising its own share. At most the gap left uncovered."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "top_up" if funder else "raise_share", project)
    from .money import checked_amount  # noqa: PLC0415 (money imports approvals, which import us)

    amount = checked_amount(amount, project.currency, "amount")
    _require_open(project)
    envelope = None
    if funder is not None:
        envelope = BudgetEnvelope.objects.filter(funder=funder, scheme=project.scheme).first()
        if not policies.may_commit_funder(actor, funder, envelope):
            raise NotAllowed(_("You may not commit %(funder)s's money to this project.") % {
                "funder": funder.name}, field="funder", code="forbidden")
        if TopUp.objects.filter(project=project, funder=funder,
                                status=TopUpStatus.OFFERED).exists():
            raise NotAllowed(_("%(funder)s already offers a top-up here: withdraw it to offer "
                               "another amount.") % {"funder": funder.name}, field="funder",
                             code="duplicate_top_up")
    elif TopUp.objects.filter(project=project, funder__isnull=True,
                              status=TopUpStatus.OFFERED).exists():
        raise NotAllowed(_("The association already raises its share here: withdraw that to "
                           "raise it by another amount."), field="funder",
                         code="duplicate_top_up")
    top_up = TopUp(project=project, funder=funder, envelope=envelope, amount=amount,
                   reason=reason, recorded_by=actor)
    try:
        result = preview_match(project, extra=top_up)
    except rules.RulesError as error:
        if "top_ups" not in error.errors:
            raise NotAllowed(" ".join(_(m) for ms in error.errors.values() for m in ms)) \
                from None
        uncovered = preview_match(project).gap
        raise InvalidInput(_("Only %(gap)s of the gap is left to cover.") % {
            "gap": f"{currencies.format_amount(uncovered, project.currency)} "
                   f"{project.currency}"}, field="amount") from None
    if funder is not None:
        _envelope_room(project, funder, envelope, amount, result)
    top_up.save()
    return top_up


@service
def top_up_withdraw(*, top_up: TopUp, actor) -> TopUp:
    """Withdraw an offered top-up before the decision; it stays on record."""
    project = lock(top_up.project)
    policies.require(actor, "top_up" if top_up.funder_id else "raise_share", project)
    _require_open(project)
    if top_up.funder_id is not None and not policies.may_commit_funder(
            actor, top_up.funder, top_up.envelope):
        raise NotAllowed(_("You may not commit %(funder)s's money to this project.") % {
            "funder": top_up.funder.name}, code="forbidden")
    # compare-and-swap: a second click changes nothing
    if not TopUp.objects.filter(pk=top_up.pk, status=TopUpStatus.OFFERED).update(
            status=TopUpStatus.WITHDRAWN):
        raise NotAllowed(_("This top-up was already withdrawn or committed."))
    top_up.refresh_from_db()
    return top_up
