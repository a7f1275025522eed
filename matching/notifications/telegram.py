"""Telegram's Bot API: one HTTP call, its answer or its error.

Every method is `POST {TELEGRAM_API_URL}/bot{TELEGRAM_BOT_TOKEN}/{method}` with a JSON body;
the answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ..., "parameters": {"retry_after": ...}}` (with the same code as HTTP status).
The token is part of the address: it never goes into an error text or a log line.
"""

import json
import socket
import urllib.error
import urllib.request

from django.conf import settings

TIMEOUT = 10  # seconds: a slow Bot API must not hold a reminder worker long


class BotAPIError(Exception):
    """The Bot API refused (`status` its error code) or could not be reached (status 0)."""

    def __init__(self, status: int, description: str, retry_after: int | None = None):
        super().__init__(f"Telegram answered {status}: {description}" if status
                         else description)
        self.status, self.description, self.retry_after = status, description, retry_after

    @property
    def transient(self) -> bool:
        """Unreachable, overloaded (5xx) or too many requests (429): later may work."""
        return self.status == 0 or self.status == 429 or self.status >= 500

    @property
    def chat_gone(self) -> bool:
        """The user blocked the bot or deleted his account (403), or the chat does not exist
        (400 "chat not found"): no message will ever reach this chat."""
        return self.status == 403 or (self.status == 400
                                      and "chat not found" in self.description.lower())


def enabled() -> bool:
    """The channel is on when the bot's token is set."""
    return bool(settings.TELEGRAM_BOT_TOKEN)


def linkable() -> bool:
    """Users can link a chat: a token, and the bot's user name for the deep link."""
    return enabled() and bool(settings.TELEGRAM_BOT_USERNAME)


def deep_link(code: str) -> str:
    """The link that opens the bot and sends it `/start <code>` (Telegram's deep linking:
    the code is A-Z, a-z, 0-9, _ and -, at most 64 characters)."""
    return f"https://t.me/{settings.TELEGRAM_BOT_USERNAME}?start={code}"


def _json(raw: bytes) -> dict:
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def call(method: str, payload: dict | None = None, *, timeout: float = TIMEOUT):
    """Call `method`; return its `result`, or raise BotAPIError."""
    if not enabled():
        raise BotAPIError(0, "Telegram is not configured (TELEGRAM_BOT_TOKEN)")
    request = urllib.request.Request(
        f"{settings.TELEGRAM_API_URL}/bot{settings.TELEGRAM_BOT_TOKEN}/{method}",
        data=json.dumps(payload or {}).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = _json(response.read())
    except urllib.error.HTTPError as error:
        answer = _json(error.read())
        raise BotAPIError(error.code, str(answer.get("description") or "no description"),
                          (answer.get("parameters") or {}).get("retry_after")) from None
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise BotAPIError(0, f"Telegram unreachable: {reason}") from None
    if not answer.get("ok"):
        raise BotAPIError(int(answer.get("error_code") or 502),
                          str(answer.get("description") or "not a Bot API answer"))
    return answer.get("result")
