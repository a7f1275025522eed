"""The notifications page: every role manages his own preferences there, and only his own;
bad input lands on its field (what was typed kept, nothing saved), never a 500."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from matching import models as m

URL = reverse("account-notifications")
TELEGRAM_TICKED = re.compile(r'name="tranches__telegram"[^>]* checked')
PEOPLE = ["alice", "charlie", "bob", "erin", "dave", "admin", "migrant", "stranger", "auditor"]


def _valid(**changes) -> dict:
    data = {"language": "ru", "timezone_name": "Asia/Dushanbe", "phone": "+992 93 555 12 34",
            "quiet_from": "22:00", "quiet_until": "07:00",
            "tranches__email": "on", "tranches__telegram": "on", "money__sms": "on",
            "complaints__email": "on"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("username", PEOPLE)
def test_every_role_saves_his_own_preferences_and_nobody_elses(login, world, username):
    user = getattr(world, username)
    client = login(user)
    page = client.get(URL)
    assert page.status_code == 200
    assert f'href="{URL}"' in page.content.decode()  # in his menu

    response = client.post(URL, _valid())

    assert response.status_code == 302 and response["Location"] == URL
    assert response.cookies["django_language"].value == "ru"
    saved = m.User.objects.get(pk=user.pk)
    assert (saved.language, saved.timezone, saved.phone) == ("ru", "Asia/Dushanbe",
                                                              "+992935551234")
    assert str(saved.quiet_from) == "22:00:00" and str(saved.quiet_until) == "07:00:00"
    chosen = {row.topic: {c for c in ("email", "sms", "telegram") if getattr(row, c)}
              for row in m.NotificationPreference.objects.filter(user=user)}
    assert chosen == {"tranches": {"email", "telegram"}, "money": {"sms"}, "decisions": set(),
                      "works": set(), "registration": set(), "complaints": {"email"}}
    assert set(m.NotificationPreference.objects.values_list("user", flat=True)) == {user.pk}
    others = m.User.objects.exclude(pk=user.pk)
    assert not others.filter(language="ru").exists() and not others.exclude(phone="").exists()
    # the page shows what was saved
    html = client.get(URL).content.decode()
    assert TELEGRAM_TICKED.search(html) and 'value="22:00"' in html


def test_the_anonymous_are_sent_to_log_in(world):
    for name in ("account-notifications", "account-telegram"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    for name in ("account-telegram-link", "account-telegram-unlink"):
        response = Client().post(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not m.TelegramLink.objects.exists()


BAD = [
    # _case, changes, the field that says what is wrong
    ("only_a_start_of_quiet_hours", {"quiet_until": ""}, "quiet_until"),
    ("only_an_end_of_quiet_hours", {"quiet_from": ""}, "quiet_from"),
    ("quiet_hours_that_end_where_they_start", {"quiet_until": "22:00"}, "quiet_until"),
    ("not_a_time", {"quiet_from": "25:99"}, "quiet_from"),
    ("letters_for_a_phone", {"phone": "call me"}, "phone"),
    ("a_phone_too_short", {"phone": "+99"}, "phone"),
    ("a_control_character", {"phone": "+998\x00901112233"}, "phone"),
    ("sms_without_a_phone", {"phone": ""}, "phone"),
    ("an_unknown_language", {"language": "xx"}, "language"),
    ("an_unknown_time_zone", {"timezone_name": "Mars/Olympus"}, "timezone_name"),
    ("a_huge_phone", {"phone": "9" * 5000}, "phone"),
]


@pytest.mark.parametrize("_case, changes, field", BAD, ids=[row[0] for row in BAD])
def test_bad_input_lands_on_its_field_and_saves_nothing(login, world, _case, changes, field):
    client = login(world.alice)
    data = _valid(**changes)
    response = client.post(URL, data)
    assert response.status_code in (400, 409, 422)
    form = response.context["form"]
    assert field in form.errors, form.errors
    html = response.content.decode()
    assert "Please correct what is marked below" in html
    if field != "phone" or "\x00" not in data["phone"]:
        assert TELEGRAM_TICKED.search(html)  # what was typed is kept
    alice = m.User.objects.get(pk=world.alice.pk)
    assert (alice.language, alice.phone, alice.quiet_from) == ("en", "", None)
    assert not m.NotificationPreference.objects.exists()


def test_a_post_for_someone_else_is_not_possible(login, world):
    """The page has no user in its address or its form: a forged field is ignored."""
    client = login(world.charlie)
    client.post(URL, _valid(user=str(world.alice.pk), username="alice"))
    assert m.User.objects.get(pk=world.alice.pk).language == "en"
    assert set(m.NotificationPreference.objects.values_list("user", flat=True)) == {
        world.charlie.pk}


def test_linking_is_refused_clearly_when_telegram_is_off(login, world, settings):
    settings.TELEGRAM_BOT_TOKEN = ""
    response = login(world.alice).post(reverse("account-telegram-link"), follow=True)
    assert "Telegram is not set up on this site." in response.content.decode()
    assert not m.TelegramLink.objects.exists()


@pytest.mark.parametrize("username", PEOPLE)
def test_each_role_links_only_his_own_telegram(login, world, settings, username):
    settings.TELEGRAM_BOT_TOKEN, settings.TELEGRAM_BOT_USERNAME = "1:x", "hashar_test_bot"
    user = getattr(world, username)
    client = login(user)
    assert client.get(reverse("account-telegram-link")).status_code == 405
    client.post(reverse("account-telegram-link"))
    assert list(m.TelegramLink.objects.values_list("user", flat=True)) == [user.pk]
    html = client.get(URL).content.decode()
    assert "https://t.me/hashar_test_bot?start=" in html
