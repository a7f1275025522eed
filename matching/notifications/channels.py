"""The channels a message goes out on, behind one small interface.

    channel.address(user)          -> where to send, or "" when the user cannot be reached
    channel.send(message, to=...)  -> None, or raises TransientDeliveryError (retry later) or
                                      PermanentDeliveryError (retrying will not help)

Every send carries an idempotency key (the reminder and the channel): the e-mail's Message-ID
and the gateway's `Idempotency-Key` header. A worker that dies after the provider accepted a
message but before the database recorded it sends the same key again, and the provider drops
the copy.
"""

import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

from ..models import NotificationChannel


class DeliveryError(Exception):
    pass


class TransientDeliveryError(DeliveryError):
    """The provider is down or slow: the same message may succeed later."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message itself (bad address, bad request)."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    idempotency_key: str


class EmailChannel:
    name = NotificationChannel.EMAIL

    def address(self, user) -> str:
        return user.email if user.notify_by_email and user.email else ""

    def send(self, message: Message, *, to: str) -> None:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "hashar"
        email = EmailMessage(subject=message.subject, body=message.body, to=[to],
                             from_email=settings.DEFAULT_FROM_EMAIL,
                             headers={"Message-ID": f"<{message.idempotency_key}@{domain}>"})
        try:
            email.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError) as error:
            raise PermanentDeliveryError(str(error)) from error
        except (smtplib.SMTPException, OSError) as error:  # disconnects, timeouts, refusals
            raise TransientDeliveryError(str(error)) from error


class GatewayChannel:
    """SMS or a messenger bot through an HTTP gateway: POST JSON {to, text} with a bearer token.

    5xx, 429, timeouts and connection errors are transient; any other 4xx is permanent.
    """

    name = NotificationChannel.SMS
    timeout = 10

    def address(self, user) -> str:
        if not (user.notify_by_sms and user.phone and settings.SMS_GATEWAY_URL):
            return ""
        return user.phone

    def send(self, message: Message, *, to: str) -> None:
        body = json.dumps({"to": to, "text": f"{message.subject}\n{message.body}"}).encode()
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


def channels() -> list:
    """Every channel, in the order messages go out."""
    return [EmailChannel(), GatewayChannel()]
