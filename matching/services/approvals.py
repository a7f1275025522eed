"""Approval (reserving envelopes), match recomputation and cancellation: the services where a
project's commitments are made, moved with the money received, and released."""

import datetime
import json
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies, ledger, policies, rules
from ..errors import Conflict, InvalidInput, NotAllowed
from ..models import (ASSOCIATION_ROLE, BudgetEnvelope, Commitment, EntryKind, Evidence,
                      MatchRecord, Project, ProjectStatus, Receipt, ReceiptStatus,
                      SchemeVersion, TopUp, TopUpStatus, Tranche)
from .base import service
from .projects import (decided_by, lock, require_eligible, require_four_eyes,
                       require_not_awaiting_call, require_reason, require_transition,
                       transition)
from .schemes import current_version, envelopes_for, rules_of
from .topups import as_match, match_top_ups, offered_top_ups

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


def _compute(project: Project, rules_: rules.Rules, *, envelopes=None, top_ups=(),
             raised=Decimal(0)) -> rules.MatchResult:
    return rules.compute_match(rules_, cost=project.cost, received=project.received,
                               category=project.category, envelopes=envelopes,
                               top_ups=top_ups, raised=raised)


def _money(amount: Decimal, currency: str) -> str:
    return f"{currencies.format_amount(amount, currency)} {currency}"


@service
def project_approve(*, project: Project, actor, reason: str, conditions: str = "",
                    schedule: list[tuple[datetime.date, Decimal]] | None = None,
                    proposal=None) -> Project:
    """Approve (or, with `conditions`, approve conditionally): reserve every co-funder's
    target and every top-up against its envelope, all or nothing, and lay out the tranche
    schedule. Above the scheme's second-officer threshold only a confirmation
    (services.decisions) runs it, with the first officer's `proposal`."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "decide", project)
    to = S.CONDITIONALLY_APPROVED if conditions.strip() else S.APPROVED
    require_transition(project, to)
    require_four_eyes(project, actor)
    require_not_awaiting_call(project)
    author, confirmer = decided_by(project, actor, proposal)
    require_eligible(project)
    version = current_version(project.scheme)
    rules_ = rules_of(version)
    # the top-ups offered so far are part of what is approved: frozen with the match
    offered = offered_top_ups(project)
    top_ups, raised = as_match(offered)
    try:
        result = _compute(project, rules_, top_ups=top_ups, raised=raised)
    except rules.RulesError as error:  # the rules changed since the top-ups were offered
        raise NotAllowed(_("The top-ups offered exceed the funding gap under the current "
                           "rules: withdraw or lower one."), code="funding_gap") from error
    if result.gap > 0:
        raise NotAllowed(_("A funding gap of %(gap)s remains (a cap or the public-share "
                           "ceiling): lower the cost or have a party top it up.")
                         % {"gap": _money(result.gap, project.currency)}, code="funding_gap")
    roles = [p.role for p in rules_.co_funders]
    by_role = envelopes_for(project, roles)
    locked = _reserve_room(project, result, by_role, offered)

    # every co-funder has an envelope, of its funder (envelopes_for found it by funder_for);
    # a top-up has its funder's, or none (a private sponsor); the association has neither
    lines = [(party.role, locked[by_role[party.role].pk] if party.role in by_role else None,
              None) for party in rules_.parties]
    lines += [(t.role, locked[t.envelope_id] if t.envelope_id else None, t) for t in offered
              if t.funder_id]  # the association's raise grows its own target
    targets = result.commitment_targets()
    for position, (role, envelope, top_up) in enumerate(lines):
        commitment = Commitment.objects.create(
            project=project, role=role, top_up=top_up,
            funder_id=top_up.funder_id if top_up else (envelope.funder_id if envelope else None),
            envelope=envelope, scheme_version=version, position=position,
            target=targets[role], bound_by=result.bound_by.get(role, ""))
        if role != ASSOCIATION_ROLE and commitment.target > 0:
            ledger.post(project=project, kind=EntryKind.RESERVATION, role=role,
                        amount=commitment.target, actor=actor, commitment=commitment,
                        envelope=envelope, memo=_("Reserved at approval"))
        _lay_out_tranches(commitment, schedule or _default_schedule())
    TopUp.objects.filter(pk__in=[t.pk for t in offered]).update(status=TopUpStatus.COMMITTED)
    project.scheme_version = version
    project.conditions = conditions.strip()
    project.decided_at = timezone.now()
    project.save(update_fields=["scheme_version", "conditions", "decided_at"])
    transition(project, to, actor=author, reason=reason, confirmed_by=confirmer)
    _apply_match(project, actor=actor, reason="approval")
    if to == S.APPROVED:
        transition(project, S.FUNDING, actor=actor)
        _update_funding_status(project, actor=actor)
    return project


def _reserve_room(project: Project, result: rules.MatchResult, by_role: dict,
                  offered: list[TopUp]) -> dict[int, BudgetEnvelope]:
    """Lock every envelope the approval reserves from (in id order, after the project) and
    refuse, naming each, those that lack room for all this project takes from them: a
    funder's share and its top-up come out of the same envelope."""
    needs: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    for role, envelope in by_role.items():
        needs[envelope.pk] += result.targets[role]
        names[envelope.pk] = role
    for top_up in offered:
        if top_up.envelope_id:
            needs[top_up.envelope_id] += top_up.amount
            names.setdefault(top_up.envelope_id, top_up.funder.name)
    locked = lock_envelopes(list(needs))
    short = [(pk, need) for pk, need in needs.items() if need > locked[pk].available]
    if short:
        raise Conflict(" ".join(
            _("The %(role)s envelope lacks %(short)s: it needs %(target)s and has %(left)s "
              "left.") % {"role": names[pk],
                          "short": _money(need - locked[pk].available, project.currency),
                          "target": _money(need, project.currency),
                          "left": _money(locked[pk].available, project.currency)}
            for pk, need in short), code="envelope_short")
    return locked


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
    covered = match_top_ups([p.pk for p in projects])
    results, entries, bound_by, records = {}, [], {}, []
    for project in projects:
        project.received, project.matched, project.disbursed = totals[project.pk]
        commitments = held[project.pk]
        version, rules_ = versions[project.scheme_version_id]
        envelopes = {role: c.reserved for role, c in commitments.items()
                     if role != ASSOCIATION_ROLE}
        top_ups, raised = covered[project.pk]
        result = results[project.pk] = _compute(project, rules_, envelopes=envelopes,
                                                top_ups=top_ups, raised=raised)
        owed = result.owed()
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
                bound_by[commitment.pk] = bound
        records.append({"project_id": project.pk, "scheme_version_id": version.pk,
                        "result": _serialise(result)})
    ledger.post_many(entries)
    _set_bounds(bound_by)
    _record_matches(records, reason=reason, actor=actor)
    return results


def _set_bounds(bound_by: dict[int, str]) -> None:
    """Each commitment's new `bound_by` (what limits its match; not money), in one UPDATE
    for the chunk whatever the number of distinct values."""
    if not bound_by:
        return
    ids = sorted(bound_by)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(Commitment._meta.db_table)} AS t "
            "SET bound_by = v.bound "
            "FROM unnest(%s::bigint[], %s::text[]) AS v(id, bound) "
            "WHERE t.id = v.id AND t.id = ANY(%s::bigint[])",
            [ids, [bound_by[pk] for pk in ids], ids])


def _record_matches(records: list[dict], *, reason: str, actor) -> None:
    """Append the chunk's MatchRecords with one INSERT whose rows are one JSON document.
    (`bulk_create` sends each column as an array, and psycopg escapes every quote of every
    4 KB result in Python: the largest statement of a correction, bench/README.md.)"""
    if not records:
        return
    table = connection.ops.quote_name(MatchRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (project_id, scheme_version_id, result, reason, "
            "created_by_id, created_at) SELECT r.project_id, r.scheme_version_id, r.result, "
            "%s, %s, %s FROM jsonb_to_recordset(%s::jsonb) "
            "AS r(project_id bigint, scheme_version_id bigint, result jsonb)",
            [reason, actor.pk if actor else None, timezone.now(),
             json.dumps(records, separators=(",", ":"))])


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
def project_conditions_met(*, project: Project, actor, reason: str,
                           evidence: Evidence | None) -> Project:
    """The conditions of a conditional approval are met: on the evidence that meets them
    (kept with the status change), the project goes on to funding."""
    reason = require_reason(reason)
    project = lock(project)
    policies.require(actor, "decide", project)
    if project.status != S.CONDITIONALLY_APPROVED:
        raise NotAllowed(_("Only a conditionally approved project can have its conditions "
                           "met."), code="transition_not_allowed")
    if evidence is None or evidence.project_id != project.pk:
        raise InvalidInput(_("Attach the evidence that meets the conditions, from this "
                             "project."), field="evidence")
    transition(project, S.FUNDING, actor=actor, reason=reason, evidence=evidence)
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
        if c.reserved > c.disbursed:  # a sponsor's top-up may have no envelope
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
    TopUp.objects.filter(project=project, status=TopUpStatus.OFFERED).update(
        status=TopUpStatus.WITHDRAWN)
    transition(project, S.CANCELLED, actor=actor, reason=reason)
    return project


def _refunds(project: Project, refundable: Decimal, *, actor, memo: str | None = None) -> list:
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
            actor=actor, receipt=receipt, memo=memo or _("Refund: project cancelled"),
            original_amount=-receipt.amount if part == receipt.converted else None,
            original_currency=receipt.currency if part == receipt.converted else ""))
        if part == receipt.converted:
            whole.append(receipt.pk)
        refundable -= part
    Receipt.objects.filter(pk__in=whole).update(status=ReceiptStatus.REFUNDED)
    return entries
