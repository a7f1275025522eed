"""What a reminder says, in its recipient's language and time zone, and whether it is still
worth saying when the worker gets to it (a tranche paid meanwhile is not reminded)."""

import datetime

from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from ..mail import site_link
from ..models import (ASSOCIATION_ROLE, CallDecision, Complaint, ComplaintCategory, ComplaintStatus,
                      FunderKind, MigrantAssociation, Pledge, PledgeStatus, Project,
                      ProjectStatus, Receipt, ReminderKind, Role, StatusChange, SubjectType,
                      Tranche)
from ..models.complaints import ANSWER_WITHIN_DAYS
from ..services.projects import OPEN_STATES
from .channels import Message
from .planning import zone

K = ReminderKind
TRANCHE_KINDS = {K.TRANCHE_DUE_7, K.TRANCHE_DUE_1, K.TRANCHE_DUE_TODAY, K.TRANCHE_OVERDUE,
                 K.TRANCHE_ESCALATED}
COMPLAINT_KINDS = {K.COMPLAINT_FILED, K.COMPLAINT_UNANSWERED, K.COMPLAINT_ESCALATED}
MODELS = {SubjectType.TRANCHE: Tranche.objects.select_related("commitment__project"),
          SubjectType.PLEDGE: Pledge.objects.select_related("project", "association"),
          SubjectType.ASSOCIATION: MigrantAssociation.objects.all(),
          SubjectType.PROJECT: Project.objects.all(),
          SubjectType.RECEIPT: Receipt.objects.select_related("project"),
          SubjectType.STATUS_CHANGE: StatusChange.objects.select_related("project"),
          SubjectType.COMPLAINT: Complaint.objects.select_related("project"),
          SubjectType.CALL_DECISION: CallDecision.objects.select_related(
              "call", "application__project")}


def subject_of(reminder):
    return MODELS[reminder.subject_type].filter(pk=reminder.subject_id).first()


def still_due(reminder, subject) -> bool:
    """Whether the reminder still makes sense (Zulip: the worker re-checks before sending)."""
    if subject is None:
        return False
    kind = reminder.kind
    if kind in TRANCHE_KINDS:
        return subject.paid_on is None and subject.commitment.project.status in OPEN_STATES
    if kind == K.PLEDGE_OVERDUE:
        return subject.status == PledgeStatus.ANNOUNCED
    if kind == K.REGISTRATION_EXPIRING:
        return subject.valid_until == reminder.period  # renewed: a new period, a new reminder
    if kind == K.PROGRESS_REPORT_DUE:
        return subject.status == ProjectStatus.IN_PROGRESS
    if kind == K.REVIEW_WAITING:
        return subject.status in (ProjectStatus.SUBMITTED, ProjectStatus.UNDER_REVIEW)
    if kind in COMPLAINT_KINDS:  # answered meanwhile: nothing to remind
        return subject.status == ComplaintStatus.RECEIVED
    return True  # events: they happened


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _party(role: str) -> str:
    if role == ASSOCIATION_ROLE:
        return _("migrant association")
    return str(FunderKind(role).label) if role in FunderKind.values else role


def _tranche_texts(reminder, tranche, today) -> tuple[str, str]:
    project = tranche.commitment.project
    params = {"n": tranche.number, "code": project.code, "title": project.title,
              "amount": tranche.amount - tranche.disbursed, "currency": project.currency,
              "party": _party(tranche.commitment.role), "date": _date(tranche.due_on),
              "days": (today - tranche.due_on).days}
    subjects = {
        K.TRANCHE_DUE_7: _("Tranche %(n)s of %(code)s is due in 7 days"),
        K.TRANCHE_DUE_1: _("Tranche %(n)s of %(code)s is due tomorrow"),
        K.TRANCHE_DUE_TODAY: _("Tranche %(n)s of %(code)s is due today"),
        K.TRANCHE_OVERDUE: _("Tranche %(n)s of %(code)s is %(days)s days overdue"),
        K.TRANCHE_ESCALATED: _("Escalation: tranche %(n)s of %(code)s is %(days)s days overdue"),
    }
    body = _("Project %(code)s (%(title)s): the %(party)s share of tranche %(n)s, "
             "%(amount)s %(currency)s, is due on %(date)s.")
    return subjects[reminder.kind] % params, body % params


def _complaint_texts(reminder, complaint) -> tuple[str, str]:
    """Never the complaint's text or contact: a message may be forwarded. The days waited
    are counted to the reminder's day (its period), whenever the worker sends it."""
    project = complaint.project
    filed = timezone.localdate(complaint.filed_at)
    params = {"tracking": complaint.code, "code": project.code, "title": project.title,
              "category": ComplaintCategory(complaint.category).label, "date": _date(filed),
              "due": _date(filed + datetime.timedelta(days=ANSWER_WITHIN_DAYS)),
              "days": (reminder.period - filed).days}
    subjects = {
        K.COMPLAINT_FILED: _("New complaint about %(code)s"),
        K.COMPLAINT_UNANSWERED: _("Complaint %(tracking)s about %(code)s waits for an answer"),
        K.COMPLAINT_ESCALATED: _("Escalation: complaint %(tracking)s about %(code)s unanswered "
                                 "for %(days)s days"),
    }
    body = _("Complaint %(tracking)s (%(category)s) about project %(code)s (%(title)s) was "
             "filed on %(date)s. Its answer, which is published, is due by %(due)s.")
    return subjects[reminder.kind] % params, body % params


def _texts(reminder, subject, today) -> tuple[str, str]:
    kind = reminder.kind
    if kind in TRANCHE_KINDS:
        return _tranche_texts(reminder, subject, today)
    if kind in COMPLAINT_KINDS:
        return _complaint_texts(reminder, subject)
    if kind in (K.PLEDGE_OVERDUE, K.PLEDGE_ANNOUNCED):
        params = {"code": subject.project.code, "amount": subject.amount,
                  "currency": subject.currency, "date": _date(subject.expected_on),
                  "association": subject.association.name}
        if kind == K.PLEDGE_OVERDUE:
            return (_("Your pledge to %(code)s is late") % params,
                    _("The pledge of %(amount)s %(currency)s to project %(code)s was expected "
                      "on %(date)s and has not fully arrived.") % params)
        return (_("New pledge to %(code)s") % params,
                _("%(association)s pledged %(amount)s %(currency)s to project %(code)s, "
                  "expected on %(date)s.") % params)
    if kind == K.REGISTRATION_EXPIRING:
        params = {"name": subject.name, "date": _date(subject.valid_until),
                  "link": site_link(reverse("association-renew"))}
        return (_("The registration of %(name)s expires on %(date)s") % params,
                _("Renew the registration of %(name)s before %(date)s: an association whose "
                  "registration has lapsed cannot pledge. Renew it here: %(link)s") % params)
    if kind == K.PROGRESS_REPORT_DUE:
        params = {"code": subject.code, "title": subject.title,
                  "url": site_link(reverse("clerk-progress-new", args=[subject.pk]))}
        return (_("Quarterly progress report due for %(code)s") % params,
                _("Record the progress report of project %(code)s (%(title)s) for the "
                  "quarter that has ended: %(url)s") % params)
    if kind == K.REVIEW_WAITING:
        params = {"code": subject.code, "title": subject.title,
                  "date": _date(reminder.period)}
        return (_("Project %(code)s has waited more than 30 days for review") % params,
                _("Project %(code)s (%(title)s) was submitted on %(date)s and is still "
                  "undecided.") % params)
    if kind == K.PROJECT_DECIDED:
        params = {"code": subject.project.code,
                  "status": ProjectStatus(subject.to_status).label, "reason": subject.reason}
        body = _("Project %(code)s is now: %(status)s.") % params
        if subject.reason:
            body += " " + _("Reason: %(reason)s") % params
        return _("Decision on project %(code)s") % params, body
    if kind == K.CALL_DECIDED:
        params = {"call": subject.call.title, "code": subject.application.project.code,
                  "outcome": subject.get_outcome_display(), "rank": subject.rank,
                  "score": f"{subject.score / 100:.2f}", "reason": subject.reason,
                  "link": site_link(reverse("public-call", args=[subject.call.code]))}
        return (_("%(call)s: the decision on %(code)s") % params,
                _("The committee of the call %(call)s decided on project %(code)s: "
                  "%(outcome)s. Its score was %(score)s out of 100, rank %(rank)s. Reason: "
                  "%(reason)s Every application's scores and decision: %(link)s") % params)
    if kind == K.RECEIPT_RECORDED:
        params = {"code": subject.project.code, "amount": subject.amount,
                  "currency": subject.currency, "date": _date(subject.received_on)}
        return (_("Money arrived for %(code)s") % params,
                _("%(amount)s %(currency)s for project %(code)s arrived on %(date)s.") % params)
    # K.TRANCHE_DISBURSED
    project = subject.commitment.project
    params = {"code": project.code, "n": subject.number, "amount": subject.disbursed,
              "currency": project.currency}
    return (_("Tranche %(n)s of %(code)s disbursed") % params,
            _("%(amount)s %(currency)s of tranche %(n)s of project %(code)s was paid to the "
              "executor.") % params)


# the page of a project each role works on it from
PROJECT_PAGES = {Role.CLERK: "clerk-project", Role.OFFICER: "officer-project",
                 Role.ADMINISTRATOR: "officer-project", Role.ASSOCIATION: "association-project"}


def link_of(reminder, subject) -> str:
    """Where the reader acts on the reminder: the page the body names when it names one,
    else the project on the recipient's own pages (an officer's complaint, his complaint
    page), else his list of reminders."""
    kind, role = reminder.kind, reminder.recipient.role
    if kind == K.REGISTRATION_EXPIRING:
        return site_link(reverse("association-renew"))
    if kind == K.PROGRESS_REPORT_DUE:
        return site_link(reverse("clerk-progress-new", args=[subject.pk]))
    if kind == K.CALL_DECIDED:
        return site_link(reverse("public-call", args=[subject.call.code]))
    if kind in COMPLAINT_KINDS and role in (Role.OFFICER, Role.ADMINISTRATOR):
        return site_link(reverse("officer-complaint", args=[subject.pk]))
    if reminder.project_id and role in PROJECT_PAGES:
        return site_link(reverse(PROJECT_PAGES[role], args=[reminder.project_id]))
    return site_link(reverse("reminders:list"))


def render(reminder, subject, channel_name: str) -> Message:
    user = reminder.recipient
    with translation.override(user.language or None), timezone.override(zone(user.timezone)):
        today = timezone.localdate()
        title, body = _texts(reminder, subject, today)
    return Message(subject=title, body=body, link=link_of(reminder, subject),
                   idempotency_key=f"hashar-reminder-{reminder.pk}-{channel_name}")
