"""A review decision, the one way pages and the API take it: at once, or, on a project above
its scheme's second-officer threshold, as a decision waiting for a second officer, who
confirms it (which runs the decision, under the locks of that moment) or sends it back."""

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies, rules
from ..errors import InvalidInput, NotAllowed
from ..models import DecisionStatus, PendingDecision, Project, ProjectStatus
from .approvals import project_approve
from .base import service
from .projects import (lock, needs_second_officer, project_decide, require_eligible,
                       require_four_eyes, require_reason, require_transition)
from .topups import preview_match

S = ProjectStatus
DECISIONS = (S.APPROVED, S.CONDITIONALLY_APPROVED, S.DEFERRED, S.REJECTED)


def _run(project: Project, decision: str, *, actor, reason: str, conditions: str,
         proposal: PendingDecision | None) -> Project:
    if decision in (S.APPROVED, S.CONDITIONALLY_APPROVED):
        return project_approve(project=project, actor=actor, reason=reason,
                               conditions=conditions if decision == S.CONDITIONALLY_APPROVED
                               else "", proposal=proposal)
    return project_decide(project=project, actor=actor, decision=decision, reason=reason,
                          proposal=proposal)


def _checked(decision: str, reason: str, conditions: str) -> tuple[str, str]:
    if decision not in DECISIONS:
        raise InvalidInput(_("Decide to approve, approve on conditions, defer or reject."),
                           field="decision")
    reason = require_reason(reason)
    conditions = (conditions or "").strip() if decision == S.CONDITIONALLY_APPROVED else ""
    if decision == S.CONDITIONALLY_APPROVED and not conditions:
        raise InvalidInput(_("State the conditions of the approval."), field="conditions")
    return reason, conditions


def _require_no_gap(project: Project) -> None:
    """What an approval would refuse at once, said when the first officer decides rather than
    when the second confirms. (Envelope room is checked at the confirmation, under locks.)"""
    require_eligible(project)
    try:
        gap = preview_match(project).gap
    except rules.RulesError:  # the top-ups offered exceed the gap under the current rules
        gap = None
    if gap is None or gap > 0:
        raise NotAllowed(_("A funding gap remains (a cap or the public-share ceiling): have a "
                           "party top it up before approving."), code="funding_gap")


@service
def decision_record(*, project: Project, actor, decision: str, reason: str,
                    conditions: str = "") -> PendingDecision | None:
    """Approve, approve on conditions, defer or reject, with a reason. Returns the decision
    waiting for a second officer when the scheme asks for one (nothing else changes yet),
    or None when it was taken at once."""
    reason, conditions = _checked(decision, reason, conditions)
    project = lock(project)
    if not needs_second_officer(project):
        _run(project, decision, actor=actor, reason=reason, conditions=conditions,
             proposal=None)
        return None
    policies.require(actor, "decide", project)
    require_transition(project, decision)
    require_four_eyes(project, actor)
    if PendingDecision.objects.filter(project=project, status=DecisionStatus.PENDING).exists():
        raise NotAllowed(_("A decision on this project already waits for a second officer."),
                         code="decision_pending")
    if decision in (S.APPROVED, S.CONDITIONALLY_APPROVED):
        _require_no_gap(project)
    return PendingDecision.objects.create(project=project, decision=decision, reason=reason,
                                          conditions=conditions, proposed_by=actor)


def _resolve(pending: PendingDecision, *, actor, status: str, note: str) -> PendingDecision:
    """Claim the waiting decision (compare-and-swap: a double click or two officers at once
    resolve it once) and name who resolved it."""
    claimed = PendingDecision.objects.filter(pk=pending.pk, status=DecisionStatus.PENDING) \
        .update(status=status, resolved_by=actor, resolved_at=timezone.now(), resolution=note)
    if not claimed:
        raise NotAllowed(_("This decision was already confirmed or sent back."),
                         code="already_resolved")
    pending.refresh_from_db()
    return pending


@service
def decision_confirm(*, pending: PendingDecision, actor, note: str = "") -> PendingDecision:
    """The second officer confirms: the decision is taken now, by its first officer and
    confirmed by this one, under the locks of this moment (an envelope that ran short since
    refuses it, and nothing changes)."""
    project = lock(pending.project)
    policies.require(actor, "decide", project)
    pending = _resolve(pending, actor=actor, status=DecisionStatus.CONFIRMED,
                       note=(note or "").strip())
    _run(project, pending.decision, actor=actor, reason=pending.reason,
         conditions=pending.conditions, proposal=pending)
    return pending


@service
def decision_return(*, pending: PendingDecision, actor, reason: str) -> PendingDecision:
    """Send a waiting decision back (or, by its first officer, withdraw it), with a reason;
    it stays on record and the project waits for another decision."""
    reason = require_reason(reason)
    project = lock(pending.project)
    policies.require(actor, "decide", project)
    return _resolve(pending, actor=actor, status=DecisionStatus.RETURNED, note=reason)
