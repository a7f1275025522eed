"""Webhook endpoints (the secret is shown once, at registration) and their delivery log."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import WebhookDelivery, WebhookEndpoint
from .base import StrictInputMixin


class WebhookEndpointSerializer(StrictInputMixin, serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, url):
        from ..webhooks import url_problem

        problem = url_problem(url)
        if problem:
            raise serializers.ValidationError(problem)
        return url


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text=_(
        "Signs every delivery (HMAC-SHA256). Shown only now: keep it."))

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookEndpointSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    payload = serializers.JSONField()

    class Meta:
        model = WebhookDelivery
        fields = ["id", "endpoint", "topic", "payload", "status", "attempts",
                  "last_status_code", "last_error", "last_attempt_at", "delivered_at",
                  "created_at"]
        read_only_fields = fields
