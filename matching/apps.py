from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# modules whose import registers outbox handlers (see matching/outbox.py) or Celery tasks
HANDLER_MODULES = ["matching.api.webhooks", "matching.notifications.handlers",
                   "matching.notifications.replanning", "matching.jobs.tasks"]


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Hashar matching")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        for module in HANDLER_MODULES:
            import_module(module)
        # every API timestamp in UTC with "Z" (matching/api/fields.py), whichever serializer
        from django.db import models
        from rest_framework import serializers

        from .api.fields import UTCDateTimeField

        serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = \
            UTCDateTimeField
