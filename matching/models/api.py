"""What only the API keeps: idempotency keys and the associations' webhooks."""

import secrets

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """A client's `Idempotency-Key`, claimed by INSERT before the work it guards.

    The unique constraint on (user, key) is the lock: a second request with the same key waits
    on the first one's uncommitted row and, once that commits, finds the stored response. When
    the first request fails, its transaction takes the key with it and the client may retry.
    """

    user = models.ForeignKey("matching.User", models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64,
                                   help_text=_("SHA-256 of the method, path and body."))
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True)
    response = models.JSONField(_("response body"), null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_unique_per_user")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self):
        return f"{self.user_id}:{self.key}"


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL of an association that receives signed events about its projects.

    The secret signs every delivery (HMAC-SHA256), so it is kept as is; the API shows it once,
    when the endpoint is registered.
    """

    association = models.ForeignKey("matching.MigrantAssociation", models.CASCADE,
                                     related_name="webhook_endpoints")
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_webhook_secret,
                              editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, and the log of trying to deliver it.

    Unique per (event, endpoint): an outbox message handled twice creates no second delivery.
    """

    endpoint = models.ForeignKey(WebhookEndpoint, models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("matching.OutboxMessage", models.PROTECT, related_name="+")
    topic = models.CharField(_("topic"), max_length=60)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)
    status = models.CharField(_("status"), max_length=20, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last response status"), null=True,
                                                        blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"],
                                               name="webhook_delivery_unique_event")]
        indexes = [models.Index(fields=["endpoint", "-id"], name="webhook_delivery_endpoint"),
                   models.Index(fields=["id"], condition=Q(status="pending"),
                                name="webhook_delivery_pending")]

    def __str__(self):
        return f"{self.topic} → {self.endpoint_id} ({self.status})"
