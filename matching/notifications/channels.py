"""The channels a message goes out on, behind one small interface.

    channel.address(user)          -> where to send, or "" when the user cannot be reached
    channel.send(message, to=...)  -> None, or raises TransientDeliveryError (retry later),
                                      PermanentDeliveryError (retrying will not help) or
                                      AddressGone (the address itself is dead)
    channel.forget(user, address, why)  the address is gone: stop using it

Which channels a user wants for a kind of reminder is his choice (preferences.py); a channel
only says whether it can reach him at all.

Every send carries an idempotency key (the reminder and the channel): the e-mail's Message-ID
and the gateway's `Idempotency-Key` header. A worker that dies after the provider accepted a
message but before the database recorded it sends the same key again, and the provider drops
the copy. The Telegram Bot API has no such key: in that one window a Telegram message may
come twice (never in any other: a channel reached is logged with the reminder's status, and a
retry skips it).

E-mail carries the whole text and the link; SMS and Telegram a short plain text: the subject,
the body and the link back on a line of its own (an SMS shortened to SMS_MAX_SEGMENTS, the
link never cut).
"""

import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from ..models import NotificationChannel, TelegramLink
from . import sms, telegram


class DeliveryError(Exception):
    pass


class TransientDeliveryError(DeliveryError):
    """The provider is down or slow: the same message may succeed later."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message itself (bad address, bad request)."""


class AddressGone(PermanentDeliveryError):
    """The address no longer takes messages (a Telegram user blocked the bot): the channel
    forgets it, so that later reminders do not try it again."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    idempotency_key: str
    link: str = ""  # back to the site: where the reader acts on it

    def full_body(self) -> str:
        """The body with the link (e-mail), unless the body already ends with it."""
        if not self.link or self.body.rstrip().endswith(self.link):
            return self.body
        return f"{self.body}\n\n{self.link}"

    def short_text(self) -> str:
        """Subject and body as one plain text, without the link (which goes on its own line
        after whatever shortening the text needs)."""
        body = self.body.rstrip()
        if self.link and body.endswith(self.link):
            body = body[:-len(self.link)].rstrip()
        return f"{self.subject}\n{body}"


class Channel:
    name = ""

    def forget(self, user, address: str, why: str) -> None:
        """The address is gone (AddressGone): most channels have nothing to forget."""


class EmailChannel(Channel):
    name = NotificationChannel.EMAIL

    def address(self, user) -> str:
        return user.email or ""

    def send(self, message: Message, *, to: str) -> None:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "hashar"
        email = EmailMessage(subject=message.subject, body=message.full_body(), to=[to],
                             from_email=settings.DEFAULT_FROM_EMAIL,
                             headers={"Message-ID": f"<{message.idempotency_key}@{domain}>"})
        try:
            email.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError) as error:
            raise PermanentDeliveryError(str(error)) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnects, timeouts, refusals
            raise TransientDeliveryError(str(error)) from error


class GatewayChannel(Channel):
    """SMS through an HTTP gateway: POST JSON {to, text} with a bearer token; the text kept
    within SMS_MAX_SEGMENTS (sms.fit).

    5xx, 429, timeouts and connection errors are transient; any other 4xx is permanent.
    """

    name = NotificationChannel.SMS
    timeout = 10

    def address(self, user) -> str:
        return user.phone if user.phone and settings.SMS_GATEWAY_URL else ""

    def send(self, message: Message, *, to: str) -> None:
        text = sms.fit(message.short_text(), message.link, settings.SMS_MAX_SEGMENTS)
        body = json.dumps({"to": to, "text": text}).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL, data=body, method="POST",
            headers={"Content-Type": "application/json",
                     "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                     "Idempotency-Key": message.idempotency_key})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise TransientDeliveryError(f"gateway answered {error.code}") from error
            raise PermanentDeliveryError(f"gateway refused the message: {error.code}") from error
        except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
            raise TransientDeliveryError(f"gateway unreachable: {error}") from error


class TelegramChannel(Channel):
    """A linked Telegram chat, through the Bot API's sendMessage (telegram.py): plain text,
    no link preview (it costs a slow connection a page's weight).

    429 (too many requests), 5xx, timeouts and connection errors are transient; 403 (the
    user blocked the bot, or deleted his account) and 400 "chat not found" mean the chat is
    gone: the link is dropped, and the user's page says so; any other 4xx is permanent.
    """

    name = NotificationChannel.TELEGRAM
    LIMIT = 4096  # characters in one Telegram message

    def address(self, user) -> str:
        if not telegram.enabled():
            return ""
        chat = (TelegramLink.objects.filter(user=user, chat_id__isnull=False)
                .values_list("chat_id", flat=True).first())
        return str(chat) if chat is not None else ""

    def send(self, message: Message, *, to: str) -> None:
        room = self.LIMIT - len(message.link) - 2
        text = "\n".join(part for part in (message.short_text()[:room], message.link) if part)
        try:
            telegram.call("sendMessage", {"chat_id": int(to), "text": text,
                                          "link_preview_options": {"is_disabled": True}})
        except telegram.BotAPIError as error:
            if error.transient:
                raise TransientDeliveryError(str(error)) from error
            if error.chat_gone:
                raise AddressGone(str(error)) from error
            raise PermanentDeliveryError(str(error)) from error

    def forget(self, user, address: str, why: str) -> None:
        TelegramLink.objects.filter(user=user, chat_id=int(address)).update(
            chat_id=None, stopped_at=timezone.now(), stopped_reason=why[:200])


def channels() -> list:
    """Every channel, in the order messages go out."""
    return [EmailChannel(), GatewayChannel(), TelegramChannel()]
