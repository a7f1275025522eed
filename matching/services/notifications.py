"""How a user wants to be told: his channels per topic, quiet hours, language, time zone and
phone; his Telegram chat, linked with a one-time code and unlinked. Each acts on the actor's
own account only: nobody chooses how someone else is told."""

import datetime
import hashlib
import re
import secrets
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ..errors import InvalidInput, NotAllowed
from ..models import (CHOSEN_CHANNELS, NotificationChannel, NotificationPreference,
                      NotificationTopic, TelegramLink, User)
from ..notifications import telegram
from .base import service

PHONE = re.compile(r"\+?[0-9]{7,15}")
PHONE_SEPARATORS = re.compile(r"[\s().-]")


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def clean_phone(phone: str) -> str:
    """The number without spaces, dashes, dots or brackets; refused unless 7 to 15 digits
    with an optional leading +."""
    phone = PHONE_SEPARATORS.sub("", phone or "")
    if phone and not PHONE.fullmatch(phone):
        raise InvalidInput(_("Give the phone number in international form, such as "
                             "+998 90 123 45 67."), field="phone")
    return phone


@service
def preferences_update(*, actor, language: str, timezone_name: str, phone: str = "",
                       quiet_from: datetime.time | None = None,
                       quiet_until: datetime.time | None = None,
                       channels: dict[str, set[str]]) -> User:
    """Save the actor's own notification preferences. `channels` maps each topic to the
    channels chosen for it (a topic left out: none); SMS needs a phone number; quiet hours
    need both ends (and differ)."""
    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), field="language")
    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("Unknown time zone."), field="timezone_name") from None
    phone = clean_phone(phone)
    if (quiet_from is None) != (quiet_until is None):
        raise InvalidInput(_("Give both ends of the quiet hours, or neither."),
                           field="quiet_until" if quiet_until is None else "quiet_from")
    if quiet_from is not None and quiet_from == quiet_until:
        raise InvalidInput(_("Quiet hours must end at another time than they start."),
                           field="quiet_until")
    unknown = set(channels) - set(NotificationTopic.values)
    if unknown or any(set(chosen) - set(CHOSEN_CHANNELS) for chosen in channels.values()):
        raise InvalidInput(_("Choose among the listed topics and channels."))
    if not phone and any(NotificationChannel.SMS in chosen for chosen in channels.values()):
        raise InvalidInput(_("Give a phone number to receive SMS."), field="phone")
    user = User.objects.select_for_update().get(pk=actor.pk)
    user.language, user.timezone, user.phone = language, timezone_name, phone
    user.quiet_from, user.quiet_until = quiet_from, quiet_until
    user.save(update_fields=["language", "timezone", "phone", "quiet_from", "quiet_until"])
    for topic in NotificationTopic.values:
        chosen = set(channels.get(topic, ()))
        NotificationPreference.objects.update_or_create(
            user=user, topic=topic, defaults={channel: channel in chosen
                                              for channel in CHOSEN_CHANNELS})
    return user


@service
def telegram_link_start(*, actor) -> str:
    """A new one-time code for the actor to send to the bot (through the deep link); an
    earlier code stops working. Returns the code: only its hash is kept."""
    if not telegram.linkable():
        raise NotAllowed(_("Telegram is not set up on this site."))
    code = secrets.token_urlsafe(16)  # 22 characters of A-Z, a-z, 0-9, _ and -
    expires = timezone.now() + datetime.timedelta(minutes=settings.TELEGRAM_LINK_MINUTES)
    TelegramLink.objects.update_or_create(
        user=actor, defaults={"code_hash": code_hash(code), "code_expires_at": expires})
    return code


def telegram_link_for(code: str) -> TelegramLink | None:
    """The link waiting for `code` (used or expired ones included: their owner is known, so
    that the bot can answer in his language), or None."""
    if not code or len(code) > 64:
        return None
    return TelegramLink.objects.select_related("user").filter(code_hash=code_hash(code)).first()


@service
def telegram_link_confirm(*, actor, code: str, chat_id: int,
                          telegram_username: str = "") -> TelegramLink:
    """The bot received `/start <code>` from `chat_id`: link it to the actor (the code's
    owner). A compare-and-swap update: the code works once and before it expires; of two
    uses at once, one wins."""
    now = timezone.now()
    claimed = TelegramLink.objects.filter(
        user=actor, code_hash=code_hash(code), code_expires_at__gt=now).update(
        chat_id=chat_id, telegram_username=(telegram_username or "")[:64], linked_at=now,
        code_hash=None, code_expires_at=None, stopped_at=None, stopped_reason="")
    if claimed != 1:
        raise NotAllowed(_("This code has expired or was already used: ask for a new one on "
                           "your notifications page."), field="code")
    return TelegramLink.objects.get(user=actor)


@service
def telegram_unlink(*, actor) -> None:
    """Stop sending the actor's reminders to Telegram: his chat (and any code) is forgotten."""
    deleted, _rows = TelegramLink.objects.filter(user=actor).delete()
    if not deleted:
        raise NotAllowed(_("No Telegram account is linked."))
