"""What the project pages show of the works: progress, milestones, reports with photos, the
oversight committee, and the photos flagged to the officer; and a draft's eligibility.

Tags rather than view context so that every page that shows a project (the clerk's, the
officer's, the association's, the public one) includes the same block with one line.
The public variant hands the template plain values only: no member's name or contact, no
photo position, can reach it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django import template
from django.db.models import Prefetch

from .. import photos
from ..models import Evidence, Milestone, MilestoneProgress, ProjectStatus
from ..services.projects import eligibility_problems
from ..services.works import CommitteeStatus, committee_status
from .hashar import rate

register = template.Library()


@dataclass
class FlaggedPhoto:
    evidence: Evidence
    reasons: list[str]


@dataclass
class Works:
    milestones: list
    progress: Decimal | None
    reports: list
    members: list = field(default_factory=list)
    committee: CommitteeStatus | None = None
    flagged: list[FlaggedPhoto] = field(default_factory=list)
    photos_without_metadata: int = 0


def _reports(project):
    return list(project.progress_reports.prefetch_related(
        Prefetch("photos", queryset=Evidence.objects.order_by("id")),
        Prefetch("moves", queryset=MilestoneProgress.objects.select_related("milestone")))
        .order_by("-reported_on", "-id"))


@register.simple_tag
def project_works(project) -> Works:
    """Everything about the works, for the people whose scope covers the project."""
    photos_taken = list(project.evidence.exclude(thumbnail="").select_related("progress_report")
                        .order_by("id"))
    flagged = [FlaggedPhoto(e, reasons) for e in photos_taken
               if (reasons := photos.flags(e, mahalla=project.mahalla))]
    return Works(milestones=list(project.milestones.all()),
                 progress=Milestone.objects.filter(project=project).progress(),
                 reports=_reports(project), members=list(project.oversight_members.all()),
                 committee=committee_status(project), flagged=flagged,
                 photos_without_metadata=sum(1 for e in photos_taken
                                             if e.taken_at is None and e.latitude is None))


@register.simple_tag
def public_works(project) -> Works:
    """The same, as the public may see it: milestones, progress and reports with their
    photos (served as copies without metadata)."""
    reports = [{"reported_on": r.reported_on, "text": r.text, "progress": r.progress,
                "photos": [{"pk": p.pk, "description": p.description} for p in r.photos.all()],
                "moves": [{"title": m.milestone.title, "before": m.before,
                           "progress": m.progress} for m in r.moves.all()]}
               for r in _reports(project)]
    return Works(milestones=list(project.milestones.all()),
                 progress=Milestone.objects.filter(project=project).progress(),
                 reports=reports)


@register.simple_tag
def public_findings(project) -> list[dict]:
    """The oversight committee's answers and findings, with the member's role only."""
    return [{"role": m.get_role_display(), "sign_off": m.get_sign_off_display(),
             "on": m.sign_off_on, "findings": m.findings}
            for m in project.oversight_members.exclude(sign_off="", findings="")]


@register.simple_tag
def draft_problems(project) -> list[str]:
    """Why a draft could not be submitted as it stands (nothing once it is submitted)."""
    if project.status != ProjectStatus.DRAFT:
        return []
    return eligibility_problems(project)


@register.filter
def percent(value) -> str:
    """'42.5 %' in the reader's format, no needless zeros."""
    if value in (None, ""):
        return "—"
    return f"{rate(value)}\xa0%"
