"""Plan a day's reminders and send the due ones, or (--dry-run) show what would be sent.

    python manage.py send_reminders --today 2026-04-01 --dry-run
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from matching.models import User
from matching.notifications import dispatch, planning
from matching.notifications.channels import TransientDeliveryError


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = "Plan a day's reminders and send those due now; --dry-run only lists them."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=_day, default=None,
                            help="the day to plan, YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true",
                            help="show what would be sent, write and send nothing")

    def handle(self, *args, today=None, dry_run=False, **options):
        days = [today] if today else planning.days_now()
        if dry_run:
            self._show([row for day in days for row in planning.preview(day)])
            return
        for day in days:
            self.stdout.write(f"{day}: {planning.plan(day)} reminders planned")
        sent = failed = 0
        for reminder_id in dispatch.reminders_dispatch(send=lambda ids: None):
            try:
                status = dispatch.reminder_send(reminder_id=reminder_id)
            except TransientDeliveryError:
                failed += 1
            else:
                sent += status == "sent"
        self.stdout.write(f"{sent} sent, {failed} to retry")

    def _show(self, rows):
        names = dict(User.objects.filter(pk__in={r.recipient_id for r in rows})
                     .values_list("pk", "username"))
        for row in rows:
            self.stdout.write(f"{timezone.localtime(row.due_at):%Y-%m-%d %H:%M}  {row.kind:22} "
                              f"{row.subject_type}:{row.subject_id}  period {row.period}  "
                              f"→ {names.get(row.recipient_id, row.recipient_id)}")
        self.stdout.write(f"{len(rows)} reminders would be sent")
