"""Tell Telegram where to deliver the bot's updates: SITE_URL's /telegram/webhook/, with
TELEGRAM_WEBHOOK_SECRET in the header it sends back (or, with --delete, stop delivering, for
the poller).

    python manage.py telegram_webhook
    python manage.py telegram_webhook --delete
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from matching.mail import site_link
from matching.notifications import telegram


class Command(BaseCommand):
    help = "Register (or --delete) the Telegram bot's webhook at SITE_URL."

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="remove the webhook")

    def handle(self, *args, delete=False, **options):
        if not telegram.enabled():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set")
        try:
            if delete:
                telegram.call("deleteWebhook", {})
                self.stdout.write("webhook removed")
                return
            if not settings.TELEGRAM_WEBHOOK_SECRET:
                raise CommandError("TELEGRAM_WEBHOOK_SECRET is not set")
            url = site_link(reverse("telegram-webhook"))
            telegram.call("setWebhook", {"url": url, "allowed_updates": ["message"],
                                         "secret_token": settings.TELEGRAM_WEBHOOK_SECRET})
        except telegram.BotAPIError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"webhook set to {url}")
