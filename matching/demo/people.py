"""Demo users who chose how they are told, so that a newcomer finds the notification page
(/account/notifications/) filled in: a clerk who reads Uzbek on Telegram and is not
disturbed at night, and the association's board member in Moscow who wants money news by
SMS too. Set through the same services as the page and the bot (idempotent: a user who has
chosen already is left alone)."""

import datetime

from django.test import override_settings

from .. import models as m
from .. import services

# Telegram's private chat ids are positive; this one is nobody's. With a real bot token set,
# sending to it fails with "chat not found", and the link is marked stopped as for any
# chat that went away.
DEMO_CHAT_ID = 100000001
LOGINS = [
    ("clerk2", "mahalla clerk of Istiqlol (Chirchiq): reminders in Uzbek on Telegram (a demo "
               "chat), quiet 22:00-07:00"),
]
T = m.NotificationTopic


def _telegram_linked(user, username: str) -> None:
    """Through the linking services, as if the user had pressed Start in the bot (the demo
    needs no bot: Telegram is set up only for the length of the linking)."""
    if m.TelegramLink.objects.filter(user=user, chat_id__isnull=False).exists():
        return
    with override_settings(TELEGRAM_BOT_TOKEN="demo", TELEGRAM_BOT_USERNAME="hashar_demo_bot"):
        code = services.telegram_link_start(actor=user)
        services.telegram_link_confirm(actor=user, code=code, chat_id=DEMO_CHAT_ID,
                                       telegram_username=username)


def _chosen(user, **fields) -> None:
    if m.NotificationPreference.objects.filter(user=user).exists():
        return
    services.preferences_update(actor=user, **fields)


def people(mahallas, make_user) -> None:
    """`make_user(username, **fields)` is seed._user (found by user name, or created)."""
    clerk2 = make_user("clerk2", role="clerk", first_name="Gulnora", last_name="Rashidova",
                       language="uz", mahallas=[mahallas["1727419/Istiqlol"]])
    _telegram_linked(clerk2, "gulnora_istiqlol")
    telegram = {m.NotificationChannel.TELEGRAM}
    _chosen(clerk2, language="uz", timezone_name="Asia/Tashkent", phone="",
            quiet_from=datetime.time(22), quiet_until=datetime.time(7),
            channels={topic: set(telegram) for topic in T.values}
            | {T.TRANCHES: telegram | {m.NotificationChannel.EMAIL}})
    board = m.User.objects.get(username="association")
    money = {m.NotificationChannel.EMAIL, m.NotificationChannel.SMS}
    _chosen(board, language="ru", timezone_name="Europe/Moscow", phone="+7 916 123 45 67",
            quiet_from=datetime.time(23), quiet_until=datetime.time(8),
            channels={T.MONEY: money, T.REGISTRATION: money,
                      T.DECISIONS: {m.NotificationChannel.EMAIL},
                      T.WORKS: {m.NotificationChannel.EMAIL}})
