"""Telegram against a local Bot API (botapi.py): linking a chat from the notifications page
with a one-time code, through the poller and the webhook; reminders in the user's language
with a link back; failures retried on Telegram alone; a blocked bot unlinks the chat."""

import datetime
import json
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from matching import models as m
from matching import services
from matching.notifications import dispatch
from matching.notifications.channels import TransientDeliveryError

from .conftest import SECRET, link_telegram, local, run_at, tranche_of

D = timezone.localdate() + datetime.timedelta(days=10)
CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _code_from_page(client) -> str:
    html = client.get(reverse("account-notifications")).content.decode()
    found = re.search(r"https://t\.me/hashar_test_bot\?start=([A-Za-z0-9_-]+)", html)
    assert found, html
    assert f"/start {found.group(1)}" in html  # also shown to type by hand
    return found.group(1)


def _send_all(moment):
    with time_machine.travel(moment, tick=False):
        return [dispatch.reminder_send(reminder_id=pk)
                for pk in dispatch.reminders_dispatch(send=lambda ids: None)]


def _only_alice_reminded(world):
    """Alice (the clerk) and no officer is told of the association's tranche."""
    m.User.objects.filter(pk__in=[world.bob.pk, world.erin.pk]).update(is_active=False)


def test_linking_end_to_end_then_a_reminder_reaches_telegram_in_the_users_language(
        world, funded_project, bot):
    # given alice reads Russian; her page offers the link
    m.User.objects.filter(pk=world.alice.pk).update(language="ru")
    client = _client(world.alice)
    assert "Link Telegram" in client.get(reverse("account-notifications")).content.decode()
    # when she asks for a code and sends it to the bot through the deep link
    assert client.post(reverse("account-telegram-link")).status_code == 302
    code = _code_from_page(client)
    bot.user_says(f"/start {code}", chat_id=777, username="alice_tg")
    call_command("telegram_poll", "--once")
    # then the bot answers her in Russian, and the page shows the account linked
    (reply,) = bot.sent()
    assert reply["chat_id"] == 777 and CYRILLIC.search(reply["text"])
    assert "alice" in reply["text"] and "/account/notifications/" in reply["text"]
    html = client.get(reverse("account-notifications")).content.decode()
    assert "Linked to the Telegram account @alice_tg" in html and "Unlink Telegram" in html
    link = m.TelegramLink.objects.get(user=world.alice)
    assert (link.chat_id, link.code_hash) == (777, None)
    # and a reminder then reaches the chat, in Russian, with a link back to her project page
    _only_alice_reminded(world)
    tranche_of(funded_project, "association", due_on=D)
    assert _send_all(local(D, 10)) == ["sent"]
    (_reply, message) = bot.sent()
    assert message["chat_id"] == 777 and CYRILLIC.search(message["text"])
    assert funded_project.code in message["text"]
    assert message["text"].endswith(
        f"http://127.0.0.1:8000{reverse('clerk-project', args=[funded_project.pk])}")
    assert message["link_preview_options"] == {"is_disabled": True}
    assert set(m.MessageLog.objects.values_list("channel", "result")) == {
        ("email", "sent"), ("telegram", "sent")}


def test_a_code_works_once(world, bot):
    code = services.telegram_link_start(actor=world.alice)
    bot.user_says(f"/start {code}", chat_id=777)
    bot.user_says(f"/start {code}", chat_id=888, username="someone_else")
    call_command("telegram_poll", "--once")
    first, second = bot.sent()
    assert "Linked" in first["text"]
    assert second["chat_id"] == 888 and "not valid" in second["text"]
    assert m.TelegramLink.objects.get(user=world.alice).chat_id == 777


def test_a_code_expires(world, bot, settings):
    settings.TELEGRAM_LINK_MINUTES = 15
    code = services.telegram_link_start(actor=world.alice)
    bot.user_says(f"/start {code}")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        call_command("telegram_poll", "--once")
    assert "expired" in bot.sent()[0]["text"]
    assert m.TelegramLink.objects.get(user=world.alice).chat_id is None


def test_a_new_code_replaces_the_old_one(world, bot):
    old = services.telegram_link_start(actor=world.alice)
    services.telegram_link_start(actor=world.alice)
    bot.user_says(f"/start {old}")
    call_command("telegram_poll", "--once")
    assert m.TelegramLink.objects.get(user=world.alice).chat_id is None
    assert "not valid" in bot.sent()[0]["text"]


def test_anything_else_gets_a_word_on_what_the_bot_is_for(world, bot):
    bot.user_says("/start", language_code="ru")
    bot.user_says("hello", language_code="xx")
    call_command("telegram_poll", "--once")
    russian, english = bot.sent()
    assert CYRILLIC.search(russian["text"]) and "Link Telegram" not in russian["text"]
    assert english["text"].startswith("Hello! This bot sends Hashar's reminders.")
    assert not m.TelegramLink.objects.exists()


def test_the_poller_confirms_what_it_handled(world, bot):
    bot.user_says("hello")
    call_command("telegram_poll", "--once")
    call_command("telegram_poll", "--once")
    offsets = [payload.get("offset") for method, payload in bot.calls if method == "getUpdates"]
    assert offsets == [None, None]  # each run starts afresh: Telegram keeps the offset
    # within one run the next fetch confirms the updates handled
    from matching.notifications import bot as bot_module

    bot.user_says("again")
    offset = bot_module.poll_once(None)
    assert bot_module.poll_once(offset) == offset
    assert bot.calls[-1] == ("getUpdates", {"offset": offset, "timeout": 0,
                                            "allowed_updates": ["message"]})


def test_the_webhook_links_a_chat_and_answers_in_its_response(world, bot):
    code = services.telegram_link_start(actor=world.alice)
    update = bot.user_says(f"/start {code}", chat_id=555, username="alice_tg")
    response = Client().post(reverse("telegram-webhook"), json.dumps(update),
                             content_type="application/json",
                             HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET)
    assert response.status_code == 200
    answer = response.json()
    assert answer["method"] == "sendMessage" and answer["chat_id"] == 555
    assert "Linked" in answer["text"]
    assert m.TelegramLink.objects.get(user=world.alice).chat_id == 555


def test_the_webhook_through_a_live_server(world, bot, live_server):
    code = services.telegram_link_start(actor=world.alice)
    update = bot.user_says(f"/start {code}", chat_id=556)
    status, body = bot.deliver(update, live_server.url + reverse("telegram-webhook"), SECRET)
    assert status == 200 and json.loads(body)["chat_id"] == 556
    assert m.TelegramLink.objects.get(user=world.alice).chat_id == 556


@pytest.mark.parametrize("_case, headers, body, status", [
    ("no_secret", {}, "{}", 403),
    ("wrong_secret", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "x" * 24}, "{}", 403),
    ("not_json", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": SECRET}, "{no", 400),
    ("not_a_message", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": SECRET}, "[1, 2]", 200),
    ("a_group_chat", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": SECRET}, json.dumps(
        {"update_id": 1, "message": {"chat": {"id": -5, "type": "group"}, "text": "/start x"}}),
     200),
    ("a_chat_id_beyond_telegrams", {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": SECRET}, json.dumps(
        {"update_id": 1, "message": {"chat": {"id": 10 ** 30, "type": "private"},
                                     "text": "/start x"}}), 200),
])
def test_the_webhook_refuses_what_is_not_telegrams(world, bot, _case, headers, body, status):
    response = Client().post(reverse("telegram-webhook"), body,
                             content_type="application/json", **headers)
    assert response.status_code == status
    assert not response.content or status != 200
    assert not m.TelegramLink.objects.exists()


def test_the_webhook_is_off_without_a_secret(world, bot, settings):
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    response = Client().post(reverse("telegram-webhook"), "{}", content_type="application/json")
    assert response.status_code == 404
    assert Client().get(reverse("telegram-webhook")).status_code == 405


@pytest.mark.parametrize("status, description", [(429, "Too Many Requests: retry after 1"),
                                                 (500, "Internal Server Error")])
def test_a_telegram_failure_is_retried_on_telegram_alone(
        world, funded_project, bot, status, description):
    link_telegram(world.alice, bot)
    _only_alice_reminded(world)
    tranche_of(funded_project, "association", due_on=D)
    run_at(local(D, 10))
    reminder = m.Reminder.objects.get(recipient=world.alice)
    bot.fail_next("sendMessage", status, description)

    with time_machine.travel(local(D, 10), tick=False), pytest.raises(TransientDeliveryError):
        dispatch.reminder_send(reminder_id=reminder.pk)

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("pending", 1)
    assert str(status) in reminder.last_error
    assert len(mail.outbox) == 1  # the e-mail went, the failure did not hold it
    with time_machine.travel(local(D, 10) + datetime.timedelta(minutes=1), tick=False):
        assert dispatch.reminder_send(reminder_id=reminder.pk) == "sent"
    assert len(mail.outbox) == 1
    to_chat = [p for p in bot.sent() if p["text"].startswith("Tranche")]
    assert len(to_chat) == 2  # the failed attempt and the one that went
    assert list(m.MessageLog.objects.order_by("id").values_list("channel", "result")) == [
        ("email", "sent"), ("telegram", "transient_error"), ("telegram", "sent")]


def test_a_blocked_bot_unlinks_the_chat_and_the_other_channels_carry_on(
        world, funded_project, bot):
    link_telegram(world.alice, bot)
    _only_alice_reminded(world)
    tranche_of(funded_project, "association", due_on=D)
    bot.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")

    assert _send_all(local(D, 10)) == ["sent"]  # by e-mail

    link = m.TelegramLink.objects.get(user=world.alice)
    assert link.chat_id is None and link.stopped_at is not None
    assert "blocked" in link.stopped_reason
    assert len(mail.outbox) == 1
    assert m.MessageLog.objects.get(channel="telegram").result == "permanent_error"
    html = _client(world.alice).get(reverse("account-notifications")).content.decode()
    assert "Telegram stopped taking your reminders" in html and "Link Telegram" in html
    # the next reminder does not try the chat again
    calls = len(bot.sent())
    assert _send_all(local(D + datetime.timedelta(days=1), 10)) == ["sent"]
    assert len(bot.sent()) == calls


def test_a_blocked_bot_and_no_other_channel_fails_the_reminder(world, funded_project, bot):
    m.User.objects.filter(pk=world.alice.pk).update(notify_by_email=False)
    link_telegram(world.alice, bot)
    _only_alice_reminded(world)
    tranche_of(funded_project, "association", due_on=D)
    bot.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    assert _send_all(local(D, 10)) == ["failed"]
    assert "blocked" in m.Reminder.objects.get(recipient=world.alice).last_error


def test_telegram_is_off_without_a_token(world, funded_project, bot, settings):
    link_telegram(world.alice, bot)
    settings.TELEGRAM_BOT_TOKEN = ""
    _only_alice_reminded(world)
    tranche_of(funded_project, "association", due_on=D)
    calls = len(bot.calls)
    assert _send_all(local(D, 10)) == ["sent"]
    assert len(bot.calls) == calls
    html = _client(world.alice).get(reverse("account-notifications")).content.decode()
    assert "Telegram is not set up on this site." in html


def test_unlinking(world, bot):
    link_telegram(world.alice, bot)
    client = _client(world.alice)
    assert client.get(reverse("account-telegram-unlink")).status_code == 405
    response = client.post(reverse("account-telegram-unlink"), follow=True)
    assert "Telegram is unlinked" in response.content.decode()
    assert not m.TelegramLink.objects.filter(user=world.alice).exists()
    again = client.post(reverse("account-telegram-unlink"), follow=True).content.decode()
    assert "No Telegram account is linked." in again


def test_a_pending_code_is_polled_until_linked(world, bot):
    client = _client(world.alice)
    client.post(reverse("account-telegram-link"))
    waiting = client.get(reverse("account-telegram")).content.decode()
    assert 'hx-trigger="every 5s"' in waiting
    code = _code_from_page(client)
    bot.user_says(f"/start {code}")
    call_command("telegram_poll", "--once")
    linked = client.get(reverse("account-telegram")).content.decode()
    assert "hx-trigger" not in linked and "Unlink Telegram" in linked
