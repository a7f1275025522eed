"""The bot's side of Telegram: what it does with an update, and the two ways updates arrive.

**Webhook first.** In production Telegram POSTs each update to `/telegram/webhook/` (set
with `manage.py telegram_webhook`), with TELEGRAM_WEBHOOK_SECRET in the
`X-Telegram-Bot-Api-Secret-Token` header: a link is made the moment the user presses Start,
no worker asks Telegram every few seconds for nothing, Telegram itself retries a delivery
that failed, and the bot's answer rides back in the webhook's response (no second call out).
**The poller** (`manage.py telegram_poll`, getUpdates) is for where Telegram cannot reach the
site: development on 127.0.0.1, a server on a closed network. Telegram refuses getUpdates
while a webhook is set, so a deployment uses one or the other. Both hand each update to
`handle_update`; a poller that dies between handling and confirming an update gets it again,
and a code works once, so a replay links nothing twice.
"""

import hmac
import json
import logging

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import security
from ..errors import ServiceError
from ..mail import site_link
from ..services.notifications import telegram_link_confirm, telegram_link_for
from . import telegram

log = logging.getLogger(__name__)
CHAT_ID_LIMIT = 2 ** 53  # Telegram's identifiers have at most 52 significant bits


def _language(user=None, sender: dict | None = None) -> str:
    """The user's language; for a stranger, his Telegram app's when we have it."""
    if user is not None and user.language:
        return user.language
    code = str((sender or {}).get("language_code") or "")[:2]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _start(code: str, chat_id: int, sender: dict) -> str:
    link = telegram_link_for(code)
    page = site_link(reverse("account-notifications"))
    if link is None:
        with translation.override(_language(sender=sender)):
            if code:
                return _("This code is not valid: it may have been used already or replaced "
                         "by a newer one. Ask for a new one on your notifications page: "
                         "%(page)s") % {"page": page}
            return _("Hello! This bot sends Hashar's reminders. To receive them here, open "
                     "your notifications page and press \"Link Telegram\": %(page)s") % {
                "page": page}
    with translation.override(_language(link.user, sender)):
        try:
            telegram_link_confirm(actor=link.user, code=code, chat_id=chat_id,
                                  telegram_username=str(sender.get("username") or ""))
        except ServiceError as error:
            return f"{error.message} {page}"
        return _("Linked: Hashar's reminders for %(user)s will now come here. You can change "
                 "this on your notifications page: %(page)s") % {
            "user": link.user.get_username(), "page": page}


def handle_update(update: dict) -> dict | None:
    """What the bot answers to one update: sendMessage's parameters, or None.

    Only private chats' text messages count; `/start <code>` links the chat, anything else
    gets a short line on what the bot is for. Malformed updates are ignored."""
    message = update.get("message") if isinstance(update, dict) else None
    if not isinstance(message, dict):
        return None
    chat, sender = message.get("chat"), message.get("from")
    text = message.get("text")
    if not (isinstance(chat, dict) and chat.get("type") == "private"
            and type(chat.get("id")) is int and abs(chat["id"]) < CHAT_ID_LIMIT
            and isinstance(text, str)):
        return None
    sender = sender if isinstance(sender, dict) else {}
    command, _space, argument = text.strip().partition(" ")
    if command.split("@")[0] == "/start" and argument.strip():
        reply = _start(argument.strip(), chat["id"], sender)
    else:
        reply = _start("", chat["id"], sender)
    return {"chat_id": chat["id"], "text": reply}


@csrf_exempt
@require_POST
def webhook(request):
    """Telegram's deliveries. Off (404) without a token and a secret; a wrong secret is
    refused (403, logged as a refusal); the answer to the user rides back in the response
    (Telegram runs the method it names)."""
    secret = settings.TELEGRAM_WEBHOOK_SECRET
    if not (secret and telegram.enabled()):
        raise Http404
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        security.log_refusal(request, 403, "telegram webhook with a wrong secret")
        return HttpResponse(status=403)
    try:
        update = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    reply = handle_update(update)
    if reply is None:
        return HttpResponse(status=200)
    return JsonResponse({"method": "sendMessage", **reply})


def poll_once(offset: int | None = None, *, wait: int = 0) -> int | None:
    """Fetch the waiting updates (long-polling up to `wait` seconds), handle each, answer
    it; return the offset that confirms them at the next call."""
    updates = telegram.call("getUpdates", {"offset": offset, "timeout": wait,
                                           "allowed_updates": ["message"]},
                            timeout=wait + telegram.TIMEOUT)
    for update in updates or []:
        reply = handle_update(update)
        if reply is not None:
            try:
                telegram.call("sendMessage", reply)
            except telegram.BotAPIError:  # the link is made; only the answer is lost
                log.warning("could not answer Telegram update %s", update.get("update_id"),
                            exc_info=True)
        offset = max(offset or 0, int(update.get("update_id", 0)) + 1)
    return offset
