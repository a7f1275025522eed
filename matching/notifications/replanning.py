"""Reminders without a planning lag: when a subject appears or changes after its day was
planned, its reminders are planned at once.

Beat's planner plans each day ahead of its send hour and again every 15 minutes; something
created in between (a pledge announced today that was expected last week, a project whose
review has waited 30 days and is submitted again, tranches laid out on approval) would wait
for its next run. The services that make these changes write an outbox event in the same
transaction (pledge.created, pledges.imported, project.status_changed); the handlers here plan
that subject's reminders for the days already planned (planning.plan_subjects) and hand the
ones already due to the workers, so they go out on time. bench/bench_reminders.py measures the
lag between the change and its planned reminder.
"""

from django.db import transaction
from django.utils import timezone

from .. import outbox
from ..models import Pledge
from . import dispatch, planning


def replan(*, project_ids=(), association_ids=()) -> list[int]:
    """Plan the subjects' reminders now; hand the due ones to the workers after commit."""
    now = timezone.now()
    with transaction.atomic():
        created = planning.plan_subjects(project_ids=project_ids,
                                         association_ids=association_ids, now=now)
        # the ones due already were stamped as handed out (enqueued_at) by the same statement
        due = sorted(pk for pk, due_at in created if due_at <= now)
        if due:
            transaction.on_commit(lambda: dispatch.enqueue(due))
    return [pk for pk, _due_at in created]


@outbox.handler("pledge.created")
@outbox.handler("project.status_changed")
def project_changed(message) -> None:
    replan(project_ids=[message.payload["project_id"]])


@outbox.handler("pledges.imported")
def pledges_imported(message) -> None:
    replan(project_ids=Pledge.objects.filter(
        import_batch_id=message.payload["import_batch_id"]).order_by()
        .values_list("project_id", flat=True).distinct())
