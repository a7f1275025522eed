"""The Celery application. Tasks live in matching/tasks.py; the schedule lives in Django settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("hashar")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
