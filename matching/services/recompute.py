"""Recompute the matches of every open project of a fiscal year, in bulk.

Run after a scheme change (a new version leaves approved matches alone, by design, but the
programme wants to know nothing drifted), after a bulk import of receipts, or on demand. Reads
are set-based (two queries for the whole year), the arithmetic is rules.compute_match, and only
projects whose numbers changed are locked and corrected, through the same path as a bulk
import of receipts.
"""

from collections import defaultdict
from dataclasses import dataclass

from .. import rules, rules_input
from ..jobs.progress import NO_PROGRESS
from ..models import ASSOCIATION_ROLE, Commitment, Project, SchemeVersion
from .approvals import recompute_many_locked
from .base import service
from .projects import OPEN_STATES
from .topups import match_top_ups

CORRECT_CHUNK = 1000


@dataclass(frozen=True)
class RecomputeSummary:
    projects: int
    changed: list[int]


def year_inputs(fiscal_year: int, projects=None):
    """Everything the arithmetic needs, for every open approved project of the year (of
    `projects`, a queryset: those in someone's scope)."""
    year = ((Project.objects.all() if projects is None else projects)
            .filter(scheme__fiscal_year=fiscal_year, status__in=OPEN_STATES,
                    scheme_version__isnull=False))
    projects = list(year.values_list("pk", "cost", "received", "category", "scheme_version_id"))
    commitments = defaultdict(dict)
    for project_id, role, matched, reserved in (
            Commitment.objects.filter(project__in=[p[0] for p in projects])
            .values_list("project_id", "role", "matched", "reserved").iterator(chunk_size=5000)):
        commitments[project_id][role] = (matched, reserved)
    versions = {pk: rules_input.rules_from_dict(data) for pk, data in SchemeVersion.objects.filter(
        pk__in={p[4] for p in projects}).values_list("pk", "rules")}
    return projects, commitments, versions, match_top_ups(year.values("pk"))


def drifted(projects, commitments, versions, covered, progress=NO_PROGRESS) -> list[int]:
    """Pure: the projects whose stored matches differ from what the rules give today
    (`covered`: each project's top-ups and raise, as match_top_ups reads them)."""
    changed = []
    for project_id, cost, received, category, version_id in progress.rows(projects):
        held = commitments[project_id]
        envelopes = {role: reserved for role, (_m, reserved) in held.items()
                     if role != ASSOCIATION_ROLE}
        top_ups, raised = covered[project_id]
        result = rules.compute_match(versions[version_id], cost=cost, received=received,
                                     category=category, envelopes=envelopes,
                                     top_ups=top_ups, raised=raised)
        owed = result.owed()
        if any(owed.get(role) != matched for role, (matched, _r) in held.items()):
            changed.append(project_id)
    return changed


@service
def matches_recompute(*, fiscal_year: int, actor, progress=NO_PROGRESS) -> RecomputeSummary:
    """One transaction: a cancel (progress, between chunks) or a crash corrects nothing.
    Only the projects in the actor's scope (an administrator's region)."""
    progress.plan(3)
    progress.step("reading")
    projects, commitments, versions, covered = year_inputs(
        fiscal_year, Project.objects.visible_to(actor) if actor is not None else None)
    progress.step("projects", total=len(projects))
    changed = drifted(projects, commitments, versions, covered, progress)
    # locked in id order (the services' lock order), then corrected together: a few
    # statements for each chunk, as for a bulk import of receipts. The status is checked
    # again under the lock: a project cancelled meanwhile is left alone.
    # (FOR NO KEY UPDATE: as the imports, so that reminders planned meanwhile do not wait)
    locked = list(Project.objects.select_for_update(of=("self",), no_key=True)
                  .filter(pk__in=changed, status__in=OPEN_STATES).order_by("pk"))
    progress.step("correcting", total=len(locked))
    for start in range(0, len(locked), CORRECT_CHUNK):
        chunk = locked[start:start + CORRECT_CHUNK]
        recompute_many_locked(chunk, actor=actor, reason="recomputed")
        progress.advance(len(chunk))
    return RecomputeSummary(projects=len(projects), changed=changed)
