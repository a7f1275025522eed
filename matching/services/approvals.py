"""Approval (reserving envelopes), match recomputation and cancellation: the services where a
project's commitments are made, moved with the money received, and released."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies, ledger, policies, rules
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import (ASSOCIATION_ROLE, BudgetEnvelope, Commitment, EntryKind, MatchRecord,
                      Project, ProjectStatus, Receipt, ReceiptStatus, SchemeVersion, Tranche)
from .base import service
from .projects import (lock, require_eligible, require_not_awaiting_call, require_not_submitter,
                       require_reason, require_transition, transition)
from .schemes import current_version, envelopes_for, rules_of

S = ProjectStatus
# the disbursement schedule when the officer gives none: days after approval, share of target
DEFAULT_SCHEDULE = ((30, Decimal("0.4")), (120, Decimal("0.4")), (240, Decimal("0.2")))


def lock_envelopes(ids) -> dict[int, BudgetEnvelope]:
    """Lock envelopes in id order (after the project: see projects.lock)."""
    return {e.pk: e for e in BudgetEnvelope.objects.select_for_update().filter(pk__in=ids)
            .order_by("pk")}


def _serialise(result: rules.MatchResult) -> dict:
    data = result.to_dict()
    data["steps"] = [{"template": s.template, "params": s.params} for s in result.steps]
    return data


def _compute(project: Project, rules_: rules.Rules, *, envelopes=None) -> rules.MatchResult:
    return rules.compute_match(rules_, cost=project.cost, received=project.received,
                               category=project.category, envelopes=envelopes)


def _money(amount: Decimal, currency: str) -> str:
    return f"{currencies.format_amount(amount, currency)} {currency}"


@service
def project_approve(*, project: Project, actor, reason: str, conditions: str = "",
                    schedule: list[tuple[datetime.date, Decimal]] | None = None) -> Project:
    """Approve (or, with `conditions`, approve conditionally): reserve every co-funder's
    target against its envelope, all or nothing, and lay out the tranche schedule."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "decide", project)
    to = S.CONDITIONALLY_APPROVED if conditions.strip() else S.APPROVED
    require_transition(project, to)
    require_not_submitter(project, actor)
    require_not_awaiting_call(project)
    if Receipt.objects.filter(project=project, recorded_by=actor).exists():
        raise NotAllowed(_("You recorded a receipt on this project: another officer must "
                           "approve it."), code="four_eyes")
    require_eligible(project)
    version = current_version(project.scheme)
    rules_ = rules_of(version)
    result = _compute(project, rules_)
    if result.gap > 0:
        raise NotAllowed(_("A funding gap of %(gap)s remains (a cap or the public-share "
                           "ceiling): lower the cost or have a party top it up.")
                         % {"gap": _money(result.gap, project.currency)}, code="funding_gap")
    roles = [p.role for p in rules_.co_funders]
    by_role = envelopes_for(project, roles)
    locked = lock_envelopes([e.pk for e in by_role.values()])
    short = [(role, result.targets[role] - locked[by_role[role].pk].available)
             for role in roles if result.targets[role] > locked[by_role[role].pk].available]
    if short:
        raise Conflict(" ".join(
            _("The %(role)s envelope lacks %(short)s: it needs %(target)s and has %(left)s "
              "left.") % {"role": role, "short": _money(amount, project.currency),
                          "target": _money(result.targets[role], project.currency),
                          "left": _money(locked[by_role[role].pk].available, project.currency)}
            for role, amount in short), code="envelope_short")

    for position, party in enumerate(rules_.parties):
        role = party.role
        envelope = locked[by_role[role].pk] if role in by_role else None
        # every co-funder has an envelope, of its funder (envelopes_for found it by
        # funder_for); the association has neither
        commitment = Commitment.objects.create(
            project=project, role=role, funder_id=envelope.funder_id if envelope else None,
            envelope=envelope,
            scheme_version=version, position=position, target=result.targets[role],
            bound_by=result.bound_by.get(role, ""))
        if envelope is not None and commitment.target > 0:
            ledger.post(project=project, kind=EntryKind.RESERVATION, role=role,
                        amount=commitment.target, actor=actor, commitment=commitment,
                        envelope=envelope, memo=_("Reserved at approval"))
        _lay_out_tranches(commitment, schedule or _default_schedule())
    project.scheme_version = version
    project.conditions = conditions.strip()
    project.decided_at = timezone.now()
    project.save(update_fields=["scheme_version", "conditions", "decided_at"])
    transition(project, to, actor=actor, reason=reason)
    _apply_match(project, actor=actor, reason="approval")
    if to == S.APPROVED:
        transition(project, S.FUNDING, actor=actor)
        _update_funding_status(project, actor=actor)
    return project


def _default_schedule() -> list[tuple[datetime.date, Decimal]]:
    today = timezone.localdate()
    return [(today + datetime.timedelta(days=days), share) for days, share in DEFAULT_SCHEDULE]


def _lay_out_tranches(commitment: Commitment, schedule) -> None:
    if commitment.target <= 0:
        return
    shares = [share for _due, share in schedule]
    if any(share <= 0 for share in shares):
        raise InvalidInput(_("Every tranche needs a positive share."), field="schedule")
    amounts = rules.split(commitment.target, shares, commitment.project.currency)
    Tranche.objects.bulk_create([
        Tranche(commitment=commitment, number=number, due_on=due, amount=amount)
        for number, ((due, _share), amount) in enumerate(zip(schedule, amounts), start=1)
        if amount > 0])


def _apply_match(project: Project, *, actor, reason: str) -> rules.MatchResult | None:
    """Recompute the locked project's match from the money received and post the changes."""
    return _apply_matches([project], actor=actor, reason=reason).get(project.pk)


def _apply_matches(projects: list[Project], *, actor, reason: str) \
        -> dict[int, rules.MatchResult]:
    """Recompute the locked projects' matches from the money received and post the changes:
    the commitments and fresh totals read in one query each, every change posted together.

    A co-funder owes no more than its reservation, and a match never falls below what was
    already disbursed from it (that needs a clawback first). A project without commitments
    (not approved) has no match.
    """
    held = defaultdict(dict)
    for c in Commitment.objects.filter(project__in=projects):  # by project, then position
        held[c.project_id][c.role] = c
    projects = [p for p in projects if held[p.pk]]
    if not projects:
        return {}
    totals = {pk: row for pk, *row in Project.objects.filter(pk__in=[p.pk for p in projects])
              .values_list("pk", "received", "matched", "disbursed")}
    versions = {v.pk: (v, rules_of(v)) for v in SchemeVersion.objects.filter(
        pk__in={p.scheme_version_id for p in projects})}
    results, entries, bound_by, records = {}, [], defaultdict(list), []
    for project in projects:
        project.received, project.matched, project.disbursed = totals[project.pk]
        commitments = held[project.pk]
        version, rules_ = versions[project.scheme_version_id]
        envelopes = {role: c.reserved for role, c in commitments.items()
                     if role != ASSOCIATION_ROLE}
        result = results[project.pk] = _compute(project, rules_, envelopes=envelopes)
        owed = {**result.matches, ASSOCIATION_ROLE: result.effective_contribution}
        for role, commitment in commitments.items():
            if owed[role] < commitment.disbursed:
                raise NotAllowed(_("%(role)s has already disbursed %(paid)s, more than it "
                                   "would now owe (%(owed)s): record a clawback first.") % {
                    "role": role, "paid": _money(commitment.disbursed, project.currency),
                    "owed": _money(owed[role], project.currency)}, code="already_disbursed")
            delta = owed[role] - commitment.matched
            if delta:
                entries.append(ledger.entry(project=project, kind=EntryKind.MATCH, role=role,
                                            amount=delta, actor=actor, commitment=commitment,
                                            memo=reason))
            bound = result.bound_by.get(role, "")
            if bound != commitment.bound_by:
                bound_by[bound].append(commitment.pk)
        records.append(MatchRecord(project=project, scheme_version=version, reason=reason,
                                   result=_serialise(result), created_by=actor))
    ledger.post_many(entries)
    for bound, ids in bound_by.items():
        Commitment.objects.filter(pk__in=ids).update(bound_by=bound)
    MatchRecord.objects.bulk_create(records)
    return results


def _update_funding_status(project: Project, *, actor) -> None:
    _update_funding_statuses([project], actor=actor)


def _update_funding_statuses(projects: list[Project], *, actor) -> None:
    """Funded when every party's share is in (every commitment matched to its target)."""
    moving = [p for p in projects if p.status in (S.FUNDING, S.FUNDED)]
    if not moving:
        return
    short = set(Commitment.objects.filter(project__in=moving).exclude(matched=F("target"))
                .values_list("project_id", flat=True))
    for project in moving:
        full = project.pk not in short
        if project.status == S.FUNDING and full:
            transition(project, S.FUNDED, actor=actor, reason=_("Every party's share is in."))
        elif project.status == S.FUNDED and not full:
            transition(project, S.FUNDING, actor=actor, reason=_("Money was returned."))


def recompute_locked(project: Project, *, actor, reason: str) -> None:
    """For services that already hold the project's lock (receipts, refunds)."""
    recompute_many_locked([project], actor=actor, reason=reason)


def recompute_many_locked(projects: list[Project], *, actor, reason: str) -> None:
    """`recompute_locked` for many projects whose locks the caller holds (a bulk import): a
    few queries for all of them, plus a status change for each that becomes (un)funded."""
    matched = _apply_matches(projects, actor=actor, reason=reason)
    _update_funding_statuses([p for p in projects if p.pk in matched], actor=actor)


@service
def match_recompute(*, project: Project, actor, reason: str = "recomputed") -> Project:
    project = lock(project)
    recompute_locked(project, actor=actor, reason=reason)
    return project


@service
def project_conditions_met(*, project: Project, actor, reason: str) -> Project:
    project = lock(project)
    policies.require(actor, "decide", project)
    if project.status != S.CONDITIONALLY_APPROVED:
        raise NotAllowed(_("Only a conditionally approved project can have its conditions "
                           "met."))
    transition(project, S.FUNDING, actor=actor, reason=reason)
    _update_funding_status(project, actor=actor)
    return project


@service
def project_cancel(*, project: Project, actor, reason: str) -> Project:
    """Cancel: release what is reserved and not yet paid, and refund the association's money
    that was not yet spent, all through new ledger entries."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "cancel", project)
    require_transition(project, S.CANCELLED)
    commitments = list(Commitment.objects.filter(project=project).order_by("position")
                       .select_related("envelope"))
    lock_envelopes([c.envelope_id for c in commitments if c.envelope_id])
    entries, spent_by_association = [], Decimal("0")
    for c in commitments:
        if c.role == ASSOCIATION_ROLE:
            spent_by_association = c.disbursed
        if c.reserved > c.disbursed and c.envelope_id:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.RESERVATION, role=c.role,
                amount=c.disbursed - c.reserved, actor=actor, commitment=c, envelope=c.envelope,
                memo=_("Released: project cancelled")))
        if c.matched > c.disbursed:
            entries.append(ledger.entry(
                project=project, kind=EntryKind.MATCH, role=c.role,
                amount=c.disbursed - c.matched, actor=actor, commitment=c,
                memo=_("Project cancelled")))
    # `received` as read under the project's lock: releases and matches do not move it
    entries += _refunds(project, project.received - spent_by_association, actor=actor)
    ledger.post_many(entries)
    transition(project, S.CANCELLED, actor=actor, reason=reason)
    return project


def _refunds(project: Project, refundable: Decimal, *, actor) -> list:
    """The refund entries of the newest receipts first, whole where possible; the receipts
    refunded whole are marked so."""
    entries, whole = [], []
    for receipt in Receipt.objects.filter(project=project, status=ReceiptStatus.RECORDED) \
            .order_by("-received_on", "-id"):
        if refundable <= 0:
            break
        part = min(receipt.converted, refundable)
        entries.append(ledger.entry(
            project=project, kind=EntryKind.REFUND, role=ASSOCIATION_ROLE, amount=-part,
            actor=actor, receipt=receipt, memo=_("Refund: project cancelled"),
            original_amount=-receipt.amount if part == receipt.converted else None,
            original_currency=receipt.currency if part == receipt.converted else ""))
        if part == receipt.converted:
            whole.append(receipt.pk)
        refundable -= part
    Receipt.objects.filter(pk__in=whole).update(status=ReceiptStatus.REFUNDED)
    return entries
