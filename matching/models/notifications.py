"""Reminders and the log of every message sent for them.

The `Reminder` table is the source of truth for what is owed to whom: the planner inserts rows
(`ON CONFLICT DO NOTHING`), the dispatcher claims the due ones, a worker sends each and marks it
sent. Nothing waits in the broker with a long ETA, so a lost Redis loses nothing.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import audited


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
    # A pointer for links and scope, like `subject_id`, without a constraint in the database:
    # checking it cost planning a row lock (FOR KEY SHARE) on every project reminded of, about
    # a third of inserting a day's reminders at 10,000 projects, and made planning wait for
    # every project a service held under its lock (FOR UPDATE). Planning takes the ids from
    # the projects themselves in the same statement; the ORM still cascades a deletion.
    project = models.ForeignKey("matching.Project", models.CASCADE, null=True, blank=True,
                                related_name="reminders", verbose_name=_("project"),
                                db_constraint=False)
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
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
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


class NotificationTopic(models.TextChoices):
    """What a user chooses channels for: the kinds of reminder, grouped as people think of
    them (seventeen kinds times three channels would not fit a phone's screen)."""

    TRANCHES = "tranches", _("Tranches: due, overdue, disbursed")
    MONEY = "money", _("Pledges and money received")
    DECISIONS = "decisions", _("Reviews and decisions")
    WORKS = "works", _("Progress reports")
    REGISTRATION = "registration", _("Association registration")
    COMPLAINTS = "complaints", _("Complaints")


_K, _T = ReminderKind, NotificationTopic
TOPIC_OF = {
    _K.TRANCHE_DUE_7: _T.TRANCHES, _K.TRANCHE_DUE_1: _T.TRANCHES,
    _K.TRANCHE_DUE_TODAY: _T.TRANCHES, _K.TRANCHE_OVERDUE: _T.TRANCHES,
    _K.TRANCHE_ESCALATED: _T.TRANCHES, _K.TRANCHE_DISBURSED: _T.TRANCHES,
    _K.PLEDGE_OVERDUE: _T.MONEY, _K.PLEDGE_ANNOUNCED: _T.MONEY, _K.RECEIPT_RECORDED: _T.MONEY,
    _K.REVIEW_WAITING: _T.DECISIONS, _K.PROJECT_DECIDED: _T.DECISIONS,
    _K.CALL_DECIDED: _T.DECISIONS,
    _K.PROGRESS_REPORT_DUE: _T.WORKS,
    _K.REGISTRATION_EXPIRING: _T.REGISTRATION,
    _K.COMPLAINT_FILED: _T.COMPLAINTS, _K.COMPLAINT_UNANSWERED: _T.COMPLAINTS,
    _K.COMPLAINT_ESCALATED: _T.COMPLAINTS,
}
# the channels a user chooses among (the in-app list always has every reminder)
CHOSEN_CHANNELS = (NotificationChannel.EMAIL, NotificationChannel.SMS,
                   NotificationChannel.TELEGRAM)


@audited()
class NotificationPreference(models.Model):
    """The channels one user wants one topic's reminders on. A topic without a row follows
    the user's defaults (`notify_by_email`, `notify_by_sms`; Telegram once linked)."""

    user = models.ForeignKey("matching.User", models.CASCADE,
                             related_name="notification_preferences", verbose_name=_("user"))
    topic = models.CharField(_("topic"), max_length=20, choices=NotificationTopic.choices)
    email = models.BooleanField(_("e-mail"), default=True)
    sms = models.BooleanField(_("SMS"), default=False)
    telegram = models.BooleanField(_("Telegram"), default=True)

    class Meta:
        ordering = ["user", "topic"]
        verbose_name = _("notification preference")
        constraints = [models.UniqueConstraint(fields=["user", "topic"],
                                               name="preference_once_per_topic")]

    def __str__(self):
        return f"{self.user_id} {self.topic}"


@audited(exclude=["code_hash"])
class TelegramLink(models.Model):
    """A user's Telegram chat, linked with a one-time code sent to the bot.

    Only a hash of the code is kept; it works once (cleared by the compare-and-swap update
    that links the chat) and until `code_expires_at`. A chat that refuses the bot (the user
    blocked it, deleted the chat) is unlinked by the channel: `chat_id` cleared, `stopped_at`
    and `stopped_reason` say when and why, and the user's page asks him to link again."""

    user = models.OneToOneField("matching.User", models.CASCADE, related_name="telegram",
                                verbose_name=_("user"))
    chat_id = models.BigIntegerField(_("Telegram chat"), null=True, blank=True)
    telegram_username = models.CharField(_("Telegram user name"), max_length=64, blank=True)
    linked_at = models.DateTimeField(_("linked at"), null=True, blank=True)
    code_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    code_expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_reason = models.CharField(_("why it stopped"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Telegram link")

    def __str__(self):
        return f"{self.user_id} → {self.chat_id or '-'}"

    @property
    def linked(self) -> bool:
        return self.chat_id is not None
