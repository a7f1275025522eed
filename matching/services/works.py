"""The works: milestones, progress reports with photos, the community oversight committee and
its sign-off of the handover act, and completion.

Completion rule (DOMAIN: "complete — clerk with the handover act; signed off by the community
oversight committee"): the clerk completes a project in progress once the signed handover act
is among its evidence and **a majority** of the oversight committee (of at least
`COMMITTEE_MIN_MEMBERS` residents) has signed it. A majority rather than all: one absent or
obstructing member must not hold a finished school hostage, while a member who refuses is
still heard — the refusal and its findings are kept and published. Nobody is counted twice:
a member either signed or refused, with a date.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import currencies, outbox, policies
from ..errors import InvalidInput, NotAllowed
from ..models import (CommitteeRole, EvidenceKind, Milestone, MilestoneProgress,
                      OversightMember, ProgressReport, Project, ProjectStatus, SignOff)
from . import evidence as evidence_files
from .base import service
from .projects import lock, require_transition, transition

S = ProjectStatus
COMMITTEE_MIN_MEMBERS = 3
MAX_PHOTOS = 10
HUNDRED = Decimal("100")
# once a project is finished (or never started), its works and committee no longer change
FINISHED = frozenset({S.COMPLETED, S.CLOSED, S.CANCELLED, S.REJECTED, S.WITHDRAWN})


def _require_open(project: Project) -> None:
    if project.status in FINISHED:
        raise NotAllowed(_("Project %(code)s is %(status)s: its works can no longer change.")
                         % {"code": project.code, "status": project.get_status_display()},
                         code="works_closed")


def _require_in_progress(project: Project, message: str) -> None:
    if project.status != S.IN_PROGRESS:
        raise NotAllowed(message % {"code": project.code,
                                    "status": project.get_status_display()},
                         code="not_in_progress")


def _percent(value, field: str) -> Decimal:
    problem = currencies.amount_error(str(value), 2, positive=False)
    if problem:
        raise InvalidInput(problem, field=field)
    value = Decimal(str(value))
    if not 0 <= value <= HUNDRED:
        raise InvalidInput(_("Give a per cent from 0 to 100."), field=field)
    return value


def _not_future(day: datetime.date, field: str) -> datetime.date:
    if day > timezone.localdate():
        raise InvalidInput(_("This date is in the future."), field=field)
    return day


# --- milestones ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MilestoneInput:
    title: str
    planned_on: datetime.date
    share: Decimal
    id: int | None = None


@service
def milestones_set(*, project: Project, actor, milestones: list[MilestoneInput]) \
        -> list[Milestone]:
    """Replace the project's milestones with `milestones`, in that order: those with an id
    are changed, those without are added, those left out are removed (unless a report moved
    them). The shares must add up to exactly 100 %; an empty list removes every milestone."""
    project = lock(project)
    policies.require(actor, "works", project)
    _require_open(project)
    existing = {m.pk: m for m in project.milestones.all()}
    if any(row.id is not None and row.id not in existing for row in milestones):
        raise InvalidInput(_("A milestone of another project was sent."), field="milestones")
    shares = []
    for row in milestones:
        if not (row.title or "").strip():
            raise InvalidInput(_("Every milestone needs a title."), field="title")
        share = _percent(row.share, "share")
        if share <= 0:
            raise InvalidInput(_("Every milestone needs a share above zero."), field="share")
        shares.append(share)
    total = sum(shares, Decimal("0"))
    if milestones and total != HUNDRED:
        raise InvalidInput(_("The shares add up to %(total)s %%; they must add up to exactly "
                             "100 %%.") % {"total": f"{total.normalize():f}"}, field="share")
    kept = {row.id for row in milestones if row.id is not None}
    removed = [m for pk, m in existing.items() if pk not in kept]
    moved = [m for m in removed if m.moves.exists()]
    if moved:
        raise NotAllowed(_("“%(title)s” has progress reported: it cannot be removed.")
                         % {"title": moved[0].title}, field="milestones", code="milestone_moved")
    Milestone.objects.filter(pk__in=[m.pk for m in removed]).delete()
    result = []
    for position, (row, share) in enumerate(zip(milestones, shares)):
        milestone = existing.get(row.id) or Milestone(project=project)
        milestone.position, milestone.title = position, row.title.strip()[:200]
        milestone.planned_on, milestone.share = row.planned_on, share
        milestone.save()
        result.append(milestone)
    return result


# --- progress reports ---------------------------------------------------------------------

@service
def progress_report_create(*, project: Project, actor, reported_on: datetime.date, text: str,
                           progress: dict[int, Decimal] | None = None,
                           photos=()) -> ProgressReport:
    """A dated report of the works with photos; `progress` gives milestones (by id) their new
    per cent done. The report keeps the project's progress right after it."""
    project = lock(project)
    policies.require(actor, "works", project)
    _require_in_progress(project, _("Progress is reported while the works are in progress; "
                                    "project %(code)s is %(status)s."))
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Say how the works are going."), field="text")
    _not_future(reported_on, "reported_on")
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise InvalidInput(_("At most %(n)s photos per report.") % {"n": MAX_PHOTOS},
                           field="photos")
    checked = [evidence_files.check_photo(upload, field="photos", project=project)
               for upload in photos]
    milestones = {m.pk: m for m in project.milestones.all()}
    moves = []
    for pk, value in (progress or {}).items():
        if pk not in milestones:
            raise InvalidInput(_("A milestone of another project was sent."), field="progress")
        value = _percent(value, f"milestone_{pk}")
        if value != milestones[pk].progress:
            moves.append((milestones[pk], value))
    report = ProgressReport.objects.create(project=project, reported_on=reported_on,
                                           text=text, created_by=actor)
    MilestoneProgress.objects.bulk_create([
        MilestoneProgress(report=report, milestone=m, before=m.progress, progress=value)
        for m, value in moves])
    for milestone, value in moves:
        milestone.progress = value
    Milestone.objects.bulk_update([m for m, _v in moves], ["progress", "updated_at"])
    report.progress = Milestone.objects.filter(project=project).progress()
    report.save(update_fields=["progress"])
    stored = []
    with evidence_files.files_removed_on_failure(stored):
        for upload, photo in zip(photos, checked):
            stored.append(evidence_files.store(
                project=project, actor=actor, kind=EvidenceKind.PHOTO, upload=upload,
                photo=photo, description=_("Progress report of %(date)s") % {
                    "date": reported_on.isoformat()}, report=report))
    outbox.emit("project.progress_reported", project_id=project.pk, report_id=report.pk)
    return report


# --- the community oversight committee ----------------------------------------------------

def _member_fields(full_name: str, contact: str, role: str) -> tuple[str, str, str]:
    full_name = (full_name or "").strip()
    if not full_name:
        raise InvalidInput(_("Give the resident's name."), field="full_name")
    if role not in CommitteeRole.values:
        raise InvalidInput(_("Unknown role in the committee."), field="role")
    return full_name[:200], (contact or "").strip()[:200], role


@service
def oversight_member_add(*, project: Project, actor, full_name: str, contact: str = "",
                         role: str = CommitteeRole.MEMBER) -> OversightMember:
    project = lock(project)
    policies.require(actor, "works", project)
    _require_open(project)
    full_name, contact, role = _member_fields(full_name, contact, role)
    return OversightMember.objects.create(project=project, full_name=full_name, contact=contact,
                                          role=role, added_by=actor)


@service
def oversight_member_edit(*, member: OversightMember, actor, full_name: str, contact: str = "",
                          role: str = CommitteeRole.MEMBER) -> OversightMember:
    project = lock(member.project)
    policies.require(actor, "works", project)
    _require_open(project)
    member = OversightMember.objects.get(pk=member.pk)
    member.full_name, member.contact, member.role = _member_fields(full_name, contact, role)
    member.save(update_fields=["full_name", "contact", "role", "updated_at"])
    return member


@service
def oversight_member_remove(*, member: OversightMember, actor) -> None:
    """A resident who leaves the committee before signing or refusing; once a member has
    answered on the handover act, the answer stays."""
    project = lock(member.project)
    policies.require(actor, "works", project)
    _require_open(project)
    deleted, _count = OversightMember.objects.filter(pk=member.pk, sign_off="").delete()
    if not deleted:
        raise NotAllowed(_("This member has answered on the handover act: the answer stays on "
                           "record."), code="member_signed")


@service
def oversight_sign_off(*, member: OversightMember, actor, decision: str, on: datetime.date,
                       findings: str = "") -> OversightMember:
    """Record that a committee member signed the handover act, or refused to, on a date, with
    what the member found (required with a refusal: the reason is published)."""
    project = lock(member.project)
    policies.require(actor, "works", project)
    _require_in_progress(project, _("The committee signs the handover act while the works are "
                                    "in progress; project %(code)s is %(status)s."))
    if decision not in SignOff.values:
        raise InvalidInput(_("Say whether the member signed or refused."), field="decision")
    _not_future(on, "on")
    findings = (findings or "").strip()
    if decision == SignOff.REFUSED and not findings:
        raise InvalidInput(_("Give the member's findings: why the act was not signed."),
                           field="findings")
    member = OversightMember.objects.get(pk=member.pk)
    member.sign_off, member.sign_off_on, member.findings = decision, on, findings
    member.save(update_fields=["sign_off", "sign_off_on", "findings", "updated_at"])
    return member


@dataclass(frozen=True)
class CommitteeStatus:
    members: int
    signed: int
    refused: int

    @property
    def needed(self) -> int:
        return self.members // 2 + 1

    @property
    def problem(self) -> str | None:
        """Why the committee has not signed the project off yet, or None."""
        if self.members < COMMITTEE_MIN_MEMBERS:
            return _("Record the community oversight committee: at least %(min)s residents "
                     "(%(count)s so far).") % {"min": COMMITTEE_MIN_MEMBERS,
                                              "count": self.members}
        if self.signed < self.needed:
            return _("%(signed)s of the %(count)s committee members signed the handover act: "
                     "a majority, %(needed)s, must sign.") % {
                "signed": self.signed, "count": self.members, "needed": self.needed}
        return None


def committee_status(project: Project) -> CommitteeStatus:
    answers = list(project.oversight_members.values_list("sign_off", flat=True))
    return CommitteeStatus(members=len(answers), signed=answers.count(SignOff.SIGNED),
                           refused=answers.count(SignOff.REFUSED))


# --- completion ---------------------------------------------------------------------------

@service
def project_complete(*, project: Project, actor, handover_act=None, reason: str = "") \
        -> Project:
    """The clerk completes the works: the signed handover act (uploaded here, or already
    among the evidence) and the committee's sign-off by a majority are required."""
    project = lock(project)
    policies.require(actor, "complete", project)
    require_transition(project, S.COMPLETED)
    problem = committee_status(project).problem
    if problem:
        raise NotAllowed(problem, field="committee", code="committee_not_signed")
    stored = []
    with evidence_files.files_removed_on_failure(stored):
        if handover_act is not None:
            photo = evidence_files.check_file(handover_act, field="handover_act",
                                              project=project)
            stored.append(evidence_files.store(
                project=project, actor=actor, kind=EvidenceKind.HANDOVER_ACT,
                upload=handover_act, photo=photo, description=_("Signed handover act")))
        if not project.evidence.filter(kind=EvidenceKind.HANDOVER_ACT).exists():
            raise NotAllowed(_("Upload the signed handover act before completing the "
                               "project."), field="handover_act", code="handover_missing")
        transition(project, S.COMPLETED, actor=actor, reason=(reason or "").strip())
    return project
