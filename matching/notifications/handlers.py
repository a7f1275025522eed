"""Outbox handlers: events become notifications for the people concerned.

Each notification is a `Reminder` due now, keyed by the event's subject, so a message relayed
twice creates nothing twice (ON CONFLICT DO NOTHING on the reminder's unique key). The rows are
handed to the workers after commit; if the broker is away then, the dispatcher finds them.
"""

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from .. import outbox
from ..models import (CallDecision, Complaint, Pledge, ProjectStatus, Receipt, Reminder,
                      ReminderKind, ReminderStatus, Role, StatusChange, SubjectType, Tranche, User)
from . import dispatch, planning
from . import tasks  # noqa: F401  (registers the Celery tasks in every worker)

DECISIONS = {ProjectStatus.APPROVED, ProjectStatus.CONDITIONALLY_APPROVED,
             ProjectStatus.DEFERRED, ProjectStatus.REJECTED}


def _clerks(project):
    return User.objects.filter(role=Role.CLERK, mahallas=project.mahalla_id, is_active=True)


def _association_users(project):
    return User.objects.filter(role=Role.ASSOCIATION, association_id=project.association_id,
                               is_active=True)


def _district_officers(project):
    return User.objects.filter(role=Role.OFFICER, district_id=project.mahalla.district_id,
                               is_active=True)


def _everyone(project):
    return _association_users(project) | _clerks(project)


def _enqueue_pending(key: dict, **subject) -> list[int]:
    """The pending reminders of `key` (and `subject`), handed to the workers after commit."""
    ids = list(Reminder.objects.filter(**key, **subject, status=ReminderStatus.PENDING)
               .values_list("id", flat=True))
    transaction.on_commit(lambda: dispatch.enqueue(ids))
    return ids


def notify(*, kind: str, subject_type: str, subject_id: int, project, recipients) -> list[int]:
    """Create the event's notifications (once) and hand the pending ones to the workers."""
    now = timezone.now()
    key = {"subject_type": subject_type, "subject_id": subject_id, "kind": kind,
           "period": timezone.localdate(now)}
    with transaction.atomic():
        Reminder.objects.bulk_create(
            [Reminder(**key, recipient_id=user_id, project=project, due_at=now, enqueued_at=now)
             for user_id in recipients.values_list("id", flat=True).distinct()],
            ignore_conflicts=True)
        return _enqueue_pending(key)


def _notify_subject(queryset, pk, *, kind: str, subject_type: str, project_of, recipients):
    """Notify `recipients(project)` about the row `pk` of `queryset`, if it still exists."""
    row = queryset.filter(pk=pk).first()
    if row is not None:
        project = project_of(row)
        notify(kind=kind, subject_type=subject_type, subject_id=row.pk, project=project,
               recipients=recipients(project))


@outbox.handler("pledge.created")
def pledge_created(message) -> None:
    _notify_subject(Pledge.objects.select_related("project"), message.payload["pledge_id"],
                    kind=ReminderKind.PLEDGE_ANNOUNCED, subject_type=SubjectType.PLEDGE,
                    project_of=lambda pledge: pledge.project, recipients=_clerks)


@outbox.handler("pledges.imported")
def pledges_imported(message) -> None:
    """A file of pledges: each project's clerks are told once per file, not once per row
    (a 100,000-row file would otherwise queue 100,000 messages). The reminder's subject is
    the project's first pledge of the file, so two files make two notifications and a
    message processed twice makes none twice."""
    firsts = list(Pledge.objects.filter(import_batch_id=message.payload["import_batch_id"])
                  .order_by().values("project_id").annotate(first=Min("id"))
                  .values_list("first", "project_id"))
    if not firsts:
        return
    now = timezone.now()
    key = {"subject_type": SubjectType.PLEDGE, "kind": ReminderKind.PLEDGE_ANNOUNCED,
           "period": timezone.localdate(now)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO matching_reminder
                (subject_type, subject_id, project_id, kind, period, recipient_id, due_at,
                 enqueued_at, status, attempts, last_error, created_at)
            SELECT %(subject_type)s, f.pledge_id, p.id, %(kind)s, %(period)s, u.id, %(now)s,
                   %(now)s, %(pending)s, 0, '', %(now)s
            FROM unnest(%(pledges)s::bigint[], %(projects)s::bigint[])
                 AS f (pledge_id, project_id)
            JOIN matching_project p ON p.id = f.project_id
            {planning.CLERKS}
            ON CONFLICT DO NOTHING""", {
            **key, "now": now, "pending": ReminderStatus.PENDING,
            "pledges": [pledge for pledge, _p in firsts],
            "projects": [project for _pl, project in firsts]})
        _enqueue_pending(key, subject_id__in=[pledge for pledge, _p in firsts])


@outbox.handler("project.status_changed")
def project_status_changed(message) -> None:
    if message.payload.get("to_status") not in DECISIONS:
        return
    _notify_subject(StatusChange.objects.select_related("project"),
                    message.payload["change_id"], kind=ReminderKind.PROJECT_DECIDED,
                    subject_type=SubjectType.STATUS_CHANGE,
                    project_of=lambda change: change.project, recipients=_everyone)


@outbox.handler("receipt.recorded")
def receipt_recorded(message) -> None:
    _notify_subject(Receipt.objects.select_related("project"), message.payload["receipt_id"],
                    kind=ReminderKind.RECEIPT_RECORDED, subject_type=SubjectType.RECEIPT,
                    project_of=lambda receipt: receipt.project, recipients=_association_users)


@outbox.handler("tranche.disbursed")
def tranche_disbursed(message) -> None:
    _notify_subject(Tranche.objects.select_related("commitment__project"),
                    message.payload["tranche_id"], kind=ReminderKind.TRANCHE_DISBURSED,
                    subject_type=SubjectType.TRANCHE,
                    project_of=lambda tranche: tranche.commitment.project, recipients=_everyone)


@outbox.handler("complaint.filed")
def complaint_filed(message) -> None:
    """A complaint goes to the officers of the project's district (they answer it)."""
    _notify_subject(Complaint.objects.select_related("project__mahalla"),
                    message.payload["complaint_id"], kind=ReminderKind.COMPLAINT_FILED,
                    subject_type=SubjectType.COMPLAINT,
                    project_of=lambda complaint: complaint.project,
                    recipients=_district_officers)


@outbox.handler("call.decided")
def call_decided(message) -> None:
    """Each applicant of a decided call (the project's clerks and association users) is told
    the committee's decision on his application, with its score, rank and reason, selected or
    not (a project's own decision is told by `project_status_changed` as well)."""
    for decision in (CallDecision.objects.filter(call_id=message.payload["call_id"])
                     .select_related("application__project")):
        project = decision.application.project
        notify(kind=ReminderKind.CALL_DECIDED, subject_type=SubjectType.CALL_DECISION,
               subject_id=decision.pk, project=project, recipients=_everyone(project))
