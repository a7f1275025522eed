"""Reminders and the log of every message sent for them.

The `Reminder` table is the source of truth for what is owed to whom: the planner inserts rows
(`ON CONFLICT DO NOTHING`), the dispatcher claims the due ones, a worker sends each and marks it
sent. Nothing waits in the broker with a long ETA, so a lost Redis loses nothing.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    TRANCHE_DUE_7 = "tranche_due_7", _("Tranche due in 7 days")
    TRANCHE_DUE_1 = "tranche_due_1", _("Tranche due tomorrow")
    TRANCHE_DUE_TODAY = "tranche_due_today", _("Tranche due today")
    TRANCHE_OVERDUE = "tranche_overdue", _("Tranche overdue")
    TRANCHE_ESCALATED = "tranche_escalated", _("Tranche overdue for more than 14 days")
    PLEDGE_OVERDUE = "pledge_overdue", _("Pledge past its expected date")
    REGISTRATION_EXPIRING = "registration_expiring", _("Association registration expiring")
    PROGRESS_REPORT_DUE = "progress_report_due", _("Quarterly progress report due")
    REVIEW_WAITING = "review_waiting", _("Review waiting more than 30 days")
    COMPLAINT_UNANSWERED = "complaint_unanswered", _("Complaint waiting for an answer")
    COMPLAINT_ESCALATED = "complaint_escalated", _("Complaint unanswered for more than 15 days")
    # events relayed by the outbox (see matching/notifications/handlers.py)
    PLEDGE_ANNOUNCED = "pledge_announced", _("Pledge announced")
    PROJECT_DECIDED = "project_decided", _("Project decided")
    RECEIPT_RECORDED = "receipt_recorded", _("Money received")
    TRANCHE_DISBURSED = "tranche_disbursed", _("Tranche disbursed")
    COMPLAINT_FILED = "complaint_filed", _("Complaint received")
    CALL_DECIDED = "call_decided", _("Call decided")


class SubjectType(models.TextChoices):
    TRANCHE = "tranche", _("Tranche")
    PLEDGE = "pledge", _("Pledge")
    ASSOCIATION = "association", _("Migrant association")
    PROJECT = "project", _("Project")
    RECEIPT = "receipt", _("Receipt")
    STATUS_CHANGE = "status_change", _("Status change")
    COMPLAINT = "complaint", _("Complaint")
    CALL_DECISION = "call_decision", _("Decision of a call")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("No longer due")


class Reminder(models.Model):
    """One reminder of one subject, of one kind, for one period, to one recipient.

    `period` is the day the reminder is about: the day it is sent for the tranche and pledge
    reminders (so the weekly overdue reminders are distinct), the expiry date for a
    registration, the quarter's first day for a progress report, the submission day for a
    review. The recipient is part of the key because one tranche concerns several people
    (the district's officers and the mahalla's clerk) and each must be told exactly once.
    `due_at` is the period's send hour in the recipient's own time zone.
    """

    subject_type = models.CharField(_("subject"), max_length=20, choices=SubjectType.choices)
    subject_id = models.BigIntegerField(_("subject id"))
    kind = models.CharField(_("kind"), max_length=30, choices=ReminderKind.choices)
    period = models.DateField(_("period"))
    # no index of its own: reminder_recipient_open (recipient, done_at) starts with it
    recipient = models.ForeignKey("matching.User", models.CASCADE, related_name="reminders",
                                  verbose_name=_("recipient"), db_index=False)
    project = models.ForeignKey("matching.Project", models.CASCADE, null=True, blank=True,
                                related_name="reminders", verbose_name=_("project"))
    due_at = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=20, choices=ReminderStatus.choices,
                              default=ReminderStatus.PENDING)
    enqueued_at = models.DateTimeField(_("handed to a worker at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    done_at = models.DateTimeField(_("marked done at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = _("reminder")
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "kind", "period",
                                            "recipient"], name="reminder_once_per_period"),
        ]
        # No index may cover `enqueued_at` (not even in a partial index's condition): the claim
        # only sets it, so PostgreSQL updates the row in place on its page (a HOT update, no
        # index entry written), which the table's fillfactor of 50 leaves room for (0007).
        indexes = [
            models.Index(fields=["due_at", "id"], condition=Q(status="pending"),
                         name="reminder_pending_due"),
            models.Index(fields=["recipient", "done_at"], name="reminder_recipient_open"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_type}:{self.subject_id} {self.period} → {self.recipient_id}"


class ReminderPlan(models.Model):
    """A local day whose reminders have been planned, and when it was last planned.

    The planner (beat) plans every day that is today or tomorrow somewhere, ahead of its send
    hour, and plans them again to pick up what was created since; the dispatcher only plans a
    day it finds missing here (beat's planner has not run), so it normally just claims."""

    day = models.DateField(_("day"), primary_key=True)
    planned_at = models.DateTimeField(_("last planned at"))

    class Meta:
        ordering = ["-day"]
        verbose_name = _("planned reminder day")

    def __str__(self):
        return f"{self.day} (planned {self.planned_at:%Y-%m-%d %H:%M})"


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS / messenger")
    IN_APP = "in_app", _("In the application only")


class DeliveryResult(models.TextChoices):
    SENT = "sent", _("Sent")
    TRANSIENT_ERROR = "transient_error", _("Failed, will retry")
    PERMANENT_ERROR = "permanent_error", _("Failed for good")


class MessageLog(models.Model):
    """Every attempt to send a reminder on a channel, and what came of it. Append-only."""

    reminder = models.ForeignKey(Reminder, models.CASCADE, related_name="messages",
                                 verbose_name=_("reminder"))
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=DeliveryResult.choices)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("message sent")
        verbose_name_plural = _("messages sent")
        constraints = [
            # a reminder reaches a channel once: a retry skips the channels already done
            models.UniqueConstraint(fields=["reminder", "channel"], condition=Q(result="sent"),
                                    name="message_sent_once_per_channel"),
        ]

    def __str__(self):
        return f"{self.reminder_id} {self.channel} {self.result}"
