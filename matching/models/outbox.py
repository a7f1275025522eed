"""The transactional outbox: work that must follow a database change."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """An event written in the same transaction as the change it reports.

    The relay hands unsent messages to Celery and marks them sent; if Redis is down at commit
    time the row simply waits for the next relay run, so nothing is lost. Handlers are
    idempotent, so a message relayed twice (a crash between send and mark) does no harm.
    """

    topic = models.CharField(_("topic"), max_length=60)
    payload = models.JSONField(_("payload"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    relayed_at = models.DateTimeField(_("relayed at"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbox message")
        indexes = [models.Index(fields=["id"], condition=Q(relayed_at__isnull=True),
                                name="outbox_unrelayed")]

    def __str__(self):
        return f"#{self.pk} {self.topic}"
