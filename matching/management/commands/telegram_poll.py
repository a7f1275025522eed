"""Fetch the Telegram bot's updates and handle them, where Telegram cannot reach the site's
webhook (development, a closed network): see matching/notifications/bot.py.

    python manage.py telegram_poll            # long-polls until stopped
    python manage.py telegram_poll --once     # one fetch, then exit (cron, tests)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from matching.notifications import bot, telegram


class Command(BaseCommand):
    help = "Handle the Telegram bot's updates through getUpdates (instead of the webhook)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="fetch once and exit")
        parser.add_argument("--wait", type=int, default=30,
                            help="seconds each fetch waits for an update (long polling)")

    def handle(self, *args, once=False, wait=30, **options):
        if not telegram.enabled():
            raise CommandError("TELEGRAM_BOT_TOKEN is not set")
        offset = None
        while True:
            try:
                offset = bot.poll_once(offset, wait=0 if once else wait)
            except telegram.BotAPIError as error:
                if once or not error.transient:
                    raise CommandError(str(error)) from None
                self.stderr.write(f"{error}; trying again in 5 s")
                time.sleep(5)
            if once:
                return
