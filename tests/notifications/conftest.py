"""Helpers for the reminder tests: a funded-stage project whose tranches are all far away but
the one a test moves, and a way to run the dispatcher at a given moment."""

import datetime
import json
import threading
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from django.core.management import call_command

from matching import models as m
from matching import services
from matching.notifications import dispatch

from .botapi import TOKEN, BotAPI

UTC = datetime.timezone.utc
SECRET = "webhook-secret-0123456789"
FAR = datetime.date(2099, 1, 1)


@pytest.fixture(autouse=True)
def _reminder_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_GATEWAY_URL = ""
    settings.REMINDER_LOCAL_HOUR = 9


def local(day: datetime.date, hour: int, zone: str = "Asia/Tashkent") -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), zoneinfo.ZoneInfo(zone))


def run_at(moment: datetime.datetime) -> list[int]:
    """Run the dispatcher at `moment`; return the ids it handed out (nothing goes to Redis)."""
    handed = []
    with time_machine.travel(moment, tick=False):
        dispatch.reminders_dispatch(send=handed.extend)
    return handed


def reminders(kind, **filters):
    return m.Reminder.objects.filter(kind=kind, **filters)


def recipients(kind, **filters) -> set[str]:
    return set(reminders(kind, **filters).values_list("recipient__username", flat=True))


@pytest.fixture
def funded_project(world):
    """An approved 1x1 project (status funding); every tranche pushed to 2099."""
    project = world.approved()
    m.Tranche.objects.filter(commitment__project=project).update(due_on=FAR)
    return project


def tranche_of(project, role: str, *, due_on: datetime.date) -> m.Tranche:
    tranche = m.Tranche.objects.get(commitment__project=project, commitment__role=role, number=1)
    m.Tranche.objects.filter(pk=tranche.pk).update(due_on=due_on)
    tranche.refresh_from_db()
    return tranche


@pytest.fixture
def bot(settings):
    """A local Bot API (botapi.py), and the settings that point the site at it."""
    api = BotAPI()
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_API_URL = TOKEN, api.url
    settings.TELEGRAM_BOT_USERNAME, settings.TELEGRAM_WEBHOOK_SECRET = "hashar_test_bot", SECRET
    yield api
    api.close()


def link_telegram(user, bot, chat_id=777) -> None:
    """Link `user`'s chat as he would: a code from his page, /start through the poller."""
    code = services.telegram_link_start(actor=user)
    bot.user_says(f"/start {code}", chat_id=chat_id)
    call_command("telegram_poll", "--once")


class Gateway:
    """A local HTTP SMS gateway answering `status` and recording what it received."""

    def __init__(self, status=200):
        self.status, self.received = status, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append((self.headers["Idempotency-Key"], body))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gateway = Gateway()
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN = gateway.url, "secret"
    yield gateway
    gateway.close()
