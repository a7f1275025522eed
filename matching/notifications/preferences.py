"""Which channels a user wants for a kind of reminder, and when he does not want to be
disturbed. The writes are in services/notifications.py; this is what the sender reads."""

import datetime

from ..models import (CHOSEN_CHANNELS, TOPIC_OF, NotificationChannel, NotificationPreference,
                      NotificationTopic)
from . import quiet
from .planning import zone

C = NotificationChannel


def defaults(user) -> set[str]:
    """A topic the user never chose channels for: his account's e-mail and SMS flags, and
    Telegram (linking a chat is asking to be told there)."""
    chosen = {C.TELEGRAM}
    if user.notify_by_email:
        chosen.add(C.EMAIL)
    if user.notify_by_sms:
        chosen.add(C.SMS)
    return chosen


def _channels(row: dict) -> set[str]:
    return {channel for channel in CHOSEN_CHANNELS if row[channel]}


def table(user) -> dict[str, set[str]]:
    """Every topic's channels for `user` (one query)."""
    rows = {row["topic"]: _channels(row) for row in NotificationPreference.objects.filter(
        user=user).values("topic", *CHOSEN_CHANNELS)}
    return {topic: rows.get(topic, defaults(user)) for topic in NotificationTopic.values}


def chosen(user, kind: str) -> set[str]:
    """The channels `user` wants reminders of `kind` on (one query)."""
    row = (NotificationPreference.objects.filter(user=user, topic=TOPIC_OF[kind])
           .values(*CHOSEN_CHANNELS).first())
    return defaults(user) if row is None else _channels(row)


def release_at(user, moment: datetime.datetime) -> datetime.datetime:
    """When a message due at `moment` may go to `user`: `moment`, or the end of his quiet
    hours on his own clock."""
    return quiet.release_at(moment, zone(user.timezone), user.quiet_from, user.quiet_until)
