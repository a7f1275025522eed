"""A call's allocation and decisions.

`allocation_propose` builds the problem from the call's standings (totals in hundredths), what
each application's co-funder targets draw from each envelope under the scheme's current rules,
and what is still available in each envelope; solves it exactly (`matching.allocation`) with
the greedy ranking beside it; and keeps the proposal with the equity indices before and after.

`call_decide` records the committee's decisions in one action, in a held session with a
quorum: each through the ordinary decision path (`project_review_start`, `project_approve`,
`project_decide`), so the reservations are made under the same locks and checks as any
approval, and an envelope can never be over-committed. Anything refused rolls the whole
action back.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import allocation, outbox, policies, rules
from ..currencies import minor_unit
from ..errors import Conflict, InvalidInput, NotAllowed, ServiceError
from ..models import (AllocationRun, BudgetEnvelope, CallDecision, CallStatus,
                      CommitteeSession, District, Outcome, SessionStatus, Vote, VoteChoice)
from ..reports import equity
from ..standings import standings
from .approvals import project_approve
from .base import service
from .calls import APPLYING_STATES, lock_call
from .projects import eligibility_problems, project_decide, project_review_start
from .schemes import current_version, rules_of


@dataclass
class Built:
    """A call's allocation problem and what went into it."""

    problem: allocation.Problem
    standings: list
    needs: dict[int, dict[int, Decimal]]  # application → envelope → amount
    excluded: dict[int, str]  # application → why it cannot be funded
    digest: str


def _minor(amount: Decimal, currency: str) -> int:
    return int(amount * 10 ** minor_unit(currency))


def _current_needs(application, version, rules_, funder_kinds) -> dict[int, Decimal]:
    """What the application's co-funder targets draw from each envelope under the scheme's
    current rules (its frozen needs, unless the rules changed since it applied)."""
    frozen = {int(e): Decimal(a) for e, a in application.needs.items()}
    if application.scheme_version_id == version.pk:
        return frozen
    result = rules.compute_match(rules_, cost=application.cost, received=Decimal(0),
                                 category=application.category)
    return {e: result.targets.get(funder_kinds[e], Decimal(0)) for e in frozen}


def require_scored(call) -> list:
    """The call's standings, once every active application is fully scored (else refused)."""
    table = standings(call)
    incomplete = [s.application.project.code for s in table if not s.complete]
    if incomplete:
        raise NotAllowed(_("Some applications are not fully scored yet: %(codes)s.")
                         % {"codes": ", ".join(incomplete[:20])}, code="not_scored")
    return table


def require_allocatable(actor, call, time_limit: float) -> list:
    """Refuse what keeps the call's allocation from being proposed now (who, when, the time
    limit, the scores), before any solving; return the call's standings."""
    policies.require_running(actor, call)
    if call.status != CallStatus.CLOSED:
        raise NotAllowed(_("The allocation is proposed after the call closes and before it "
                           "is decided."))
    if not 0 < time_limit <= allocation.MAX_TIME_LIMIT:
        raise InvalidInput(_("The time limit is between 1 and %(max)s seconds.")
                           % {"max": allocation.MAX_TIME_LIMIT}, field="time_limit")
    return require_scored(call)


def build(call, table: list | None = None) -> Built:
    """The call's allocation problem as of now: every active application, complete in its
    scores, whose project may still be approved; the others are listed with the reason."""
    table = require_scored(call) if table is None else table
    envelopes = {e.pk: e for e in BudgetEnvelope.objects.filter(calls=call)
                 .select_related("funder")}
    version = current_version(call.scheme)
    rules_, kinds = rules_of(version), {pk: e.funder.kind for pk, e in envelopes.items()}
    currency = call.scheme.currency
    bar = bool(call.scheme.win_cooldown_seasons)
    items, needs, excluded = [], {}, {}
    for standing in table:
        application = standing.application
        project = application.project
        if project.status not in APPLYING_STATES:
            excluded[application.pk] = _("The project is %(status)s.") % {
                "status": project.get_status_display()}
            continue
        problems = eligibility_problems(project)
        if problems:
            excluded[application.pk] = " ".join(problems)
            continue
        needs[application.pk] = _current_needs(application, version, rules_, kinds)
        items.append(allocation.Item(
            application.pk, standing.hundredths,
            {e: _minor(a, currency) for e, a in needs[application.pk].items()},
            group=application.mahalla_id if bar else None))
    capacities = {pk: _minor(e.available, currency) for pk, e in envelopes.items()}
    problem = allocation.Problem(tuple(items), capacities, one_per_group=bar)
    digest = hashlib.sha256(json.dumps({
        "items": [[i.key, i.score, sorted(i.needs.items()), i.group] for i in problem.items],
        "capacities": sorted(capacities.items()), "excluded": sorted(excluded)},
        sort_keys=True).encode()).hexdigest()
    return Built(problem, table, needs, excluded, digest)


def district_money(call) -> dict[int, tuple[Decimal, int | None]]:
    """Each district of the call's area (its region, or its scheme's country) with the money
    matched to its projects so far and its population (None when not known). Districts with
    no project count too, with nothing."""
    districts = District.objects.filter(
        Q(region=call.region) if call.region_id else Q(region__country=call.scheme.country))
    matched = dict(districts.filter(mahallas__projects__isnull=False).order_by()
                   .values_list("pk").annotate(total=Sum("mahallas__projects__matched")))
    return {pk: (matched.get(pk) or Decimal(0), population)
            for pk, population in districts.values_list("pk", "population")}


def equity_of(call, built: Built, chosen, greedy_chosen) -> dict:
    """Gini and Theil of matched funding per head across the call's districts, now and after
    the proposal or the greedy ranking were funded (their co-funder targets added)."""
    district = {s.application.pk: s.application.district_id for s in built.standings}

    def added(keys):
        sums = defaultdict(Decimal)
        for key in keys:
            sums[district[key]] += sum(built.needs[key].values(), Decimal(0))
        return sums

    return equity.before_after(district_money(call), {"proposal": added(chosen),
                                                      "greedy": added(greedy_chosen)})


@service
def allocation_propose(*, actor, call, time_limit: float = allocation.DEFAULT_TIME_LIMIT,
                       dry_run: bool = False) -> AllocationRun:
    """Propose the set that maximises the total score within every envelope (and the
    repeat-winner bar), with the greedy ranking beside it. Kept unless `dry_run` (then the
    returned run is not saved)."""
    call = lock_call(call)
    built = build(call, require_allocatable(actor, call, time_limit))
    ranked = allocation.greedy(built.problem)
    best = allocation.exact(built.problem, time_limit=time_limit)
    run = AllocationRun(
        call=call, method=best.method, optimal=best.optimal, score=best.score,
        bound=best.bound, seconds=best.seconds, time_limit=time_limit,
        chosen=sorted(best.chosen), greedy_chosen=sorted(ranked.chosen),
        greedy_score=ranked.score, greedy_seconds=ranked.seconds,
        items={str(i.key): {"score": i.score, "needs": {str(e): a for e, a in i.needs.items()},
                            "group": i.group} for i in built.problem.items},
        one_per_group=built.problem.one_per_group,
        capacities={str(k): v for k, v in built.problem.capacities.items()},
        excluded={str(k): v for k, v in built.excluded.items()},
        equity=equity_of(call, built, best.chosen, ranked.chosen), notes=list(best.notes),
        digest=built.digest, created_by=actor)
    if not dry_run:
        run.save()
    return run


def problem_of(run: AllocationRun) -> allocation.Problem:
    """The problem a proposal solved, as it was."""
    return allocation.Problem(
        tuple(allocation.Item(int(k), v["score"], {int(e): a for e, a in v["needs"].items()},
                              v["group"]) for k, v in run.items.items()),
        {int(k): v for k, v in run.capacities.items()}, one_per_group=run.one_per_group)


def tallies(call) -> dict[int, dict]:
    """Each application's votes in the last session that voted on it: {for, against,
    abstain, session}."""
    found = {}
    for row in (Vote.objects.filter(session__call=call).order_by("session__number")
                .values("application_id", "session__number", "choice").annotate(n=Count("id"))):
        tally = found.get(row["application_id"])
        if tally is None or tally["session"] < row["session__number"]:
            tally = found[row["application_id"]] = {"session": row["session__number"],
                                                    **{c: 0 for c in VoteChoice.values}}
        tally[row["choice"]] = row["n"]
    return found


def _default_reason(outcome: str, standing) -> str:
    params = {"score": standing.total, "rank": standing.position}
    if outcome == Outcome.SELECTED:
        return _("Selected as proposed: score %(score)s, rank %(rank)s, within every "
                 "envelope.") % params
    return _("Not selected, as proposed: score %(score)s, rank %(rank)s; the envelopes fund "
             "a set with a higher total score.") % params


def _check(decisions, built, run, votes) -> list[tuple]:
    """Each active application's outcome and reason, checked: an outcome per application,
    a reason for each departure from the proposal, nothing selected that cannot be funded,
    and no outcome against the committee's vote."""
    chosen, planned = set(run.chosen), []
    for standing in built.standings:
        key = standing.application.pk
        given = decisions.get(key) or {}
        proposed = key in chosen
        outcome = given.get("outcome") or (Outcome.SELECTED if proposed else Outcome.DEFERRED)
        reason = (given.get("reason") or "").strip()
        if outcome not in Outcome.values:
            raise InvalidInput(_("Unknown decision."), field=f"outcome_{key}")
        if outcome == Outcome.SELECTED and key in built.excluded:
            raise InvalidInput(_("%(code)s cannot be selected: %(why)s") % {
                "code": standing.application.project.code, "why": built.excluded[key]},
                field=f"outcome_{key}")
        if proposed != (outcome == Outcome.SELECTED) and not reason:
            raise InvalidInput(_("Give the reason for departing from the proposal."),
                               field=f"reason_{key}")
        tally = votes.get(key)
        if tally and tally["for"] > tally["against"] and outcome != Outcome.SELECTED:
            raise NotAllowed(_("The committee voted to fund %(code)s.") % {
                "code": standing.application.project.code}, field=f"outcome_{key}")
        if tally and tally["against"] > tally["for"] and outcome == Outcome.SELECTED:
            raise NotAllowed(_("The committee voted against funding %(code)s.") % {
                "code": standing.application.project.code}, field=f"outcome_{key}")
        planned.append((standing, outcome, proposed, reason or _default_reason(outcome, standing)))
    return planned


def _through_the_decision_path(project, outcome: str, *, actor, reason: str) -> None:
    if project.status != "under_review":
        project = project_review_start(project=project, actor=actor)
    if outcome == Outcome.SELECTED:
        project_approve(project=project, actor=actor, reason=reason)
    else:
        project_decide(project=project, actor=actor, decision=outcome, reason=reason)


@service
def call_decide(*, actor, call, session: CommitteeSession, decisions: dict[int, dict]
                ) -> list[CallDecision]:
    """Record the committee's decisions on every active application of the call, in one
    action, in a held session with a quorum. `decisions`: {application id: {"outcome",
    "reason"}}; an application left out follows the proposal. Each goes through the ordinary
    decision path; the call is then decided and its results public, and each applicant is
    notified."""
    call = lock_call(call)
    policies.require_running(actor, call)
    if call.status != CallStatus.CLOSED:
        raise NotAllowed(_("Only a closed call that is not yet decided can be decided."))
    session = CommitteeSession.objects.select_for_update().get(pk=session.pk)
    if session.call_id != call.pk or session.status != SessionStatus.HELD:
        raise NotAllowed(_("Decisions are taken in a held session of this call, before its "
                           "minutes are published."), field="session")
    present = session.attendance.count()
    if present < session.quorum:
        raise NotAllowed(_("The session has no quorum: %(present)s present, %(quorum)s "
                           "needed.") % {"present": present, "quorum": session.quorum},
                         code="no_quorum")
    run = call.runs.order_by("-created_at", "-id").first()
    if run is None:
        raise NotAllowed(_("Propose an allocation first."), code="no_proposal")
    built = build(call)
    if built.digest != run.digest:
        raise Conflict(_("Scores, envelopes or eligibility changed since the proposal was "
                         "made: propose the allocation again."), code="stale_proposal")
    planned = _check(decisions, built, run, tallies(call))
    rows = CallDecision.objects.bulk_create([
        CallDecision(call=call, application=standing.application, run=run, session=session,
                     outcome=outcome, proposed=proposed, reason=reason,
                     rank=standing.position, score=standing.hundredths, decided_by=actor)
        for standing, outcome, proposed, reason in planned])
    for standing, outcome, _proposed, reason in planned:
        project = standing.application.project
        if project.status not in APPLYING_STATES:
            continue  # cancelled or suspended meanwhile: the decision is on record only
        try:
            _through_the_decision_path(project, outcome, actor=actor, reason=reason)
        except ServiceError as error:
            raise type(error)(f"{project.code}: {error.message}", code=error.code,
                              field=f"outcome_{standing.application.pk}") from error
    call.status, call.decided_at = CallStatus.DECIDED, timezone.now()
    call.save(update_fields=["status", "decided_at", "updated_at"])
    outbox.emit("call.decided", call_id=call.pk)
    return rows
