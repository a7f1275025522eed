"""The transactional outbox: work that must follow a database change."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def failing(self):
        """Failed at least once, still retrying."""
        return self.filter(processed_at__isnull=True, dead_at__isnull=True, attempts__gt=0)

    def dead(self):
        """Dead-lettered: waiting for an administrator to replay them."""
        return self.filter(processed_at__isnull=True, dead_at__isnull=False)


class OutboxMessage(models.Model):
    """An event written in the same transaction as the change it reports.

    The relay hands due messages to Celery and marks when it did; if Redis is down at commit
    time the row simply waits for the next relay run, so nothing is lost. A message is due
    while it is neither processed nor dead and its `next_attempt_at` has passed (or it was
    never relayed): a relayed message whose task vanished (a lost broker, a killed worker)
    comes due again after a lease, and a failed one after a backoff, with every failure
    counted in `attempts` and its error in `last_error`. After `OUTBOX_MAX_ATTEMPTS` failures
    it is dead-lettered (`dead_at`), shown to administrators and auditors, and replayed by
    hand. Handlers are idempotent, so a message handled twice does no harm.
    """

    topic = models.CharField(_("topic"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    dead_at = models.DateTimeField(_("dead-lettered at"), null=True, blank=True)
    replayed_at = models.DateTimeField(_("replayed at"), null=True, blank=True)
    replayed_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("replayed by"))

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        indexes = [
            # what the relay reads: every message still to be handled
            models.Index(fields=["id"], condition=Q(processed_at__isnull=True,
                                                    dead_at__isnull=True),
                         name="outbox_pending"),
            models.Index(fields=["-id"], condition=Q(processed_at__isnull=True, attempts__gt=0),
                         name="outbox_failing"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.topic}"
