"""The notification page in Chromium, in the five languages at 1280 and 390 px: it fits the
screen in each state of the Telegram part (not linked, a code waiting with its long deep
link, linked), the preferences are saved and shown back, and a chat is linked with the code
the page shows (read by the bot's own handler) and unlinked."""

import datetime

import pytest
from playwright.sync_api import expect

from matching import models as m
from matching.notifications import bot

from .. import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LANGUAGES = ["en", "uz", "ru", "tg", "ky"]
WIDTHS = [1280, 390]
FITS = """() => ({
    page: document.documentElement.scrollWidth,
    lang: document.documentElement.lang,
    tables: Array.from(document.querySelectorAll('.table-wrap'))
        .filter(w => w.scrollWidth > w.clientWidth + 1).length,
    boxes: Array.from(document.querySelectorAll('#content *'))
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .map(e => e.tagName + '.' + e.className).slice(0, 3),
})"""


@pytest.fixture
def telegram_on(settings):
    settings.TELEGRAM_BOT_TOKEN = "123456:test-token"
    settings.TELEGRAM_BOT_USERNAME = "hashar_reminders_test_bot"


def fits(page, language, state, wrong):
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        found = page.evaluate(FITS)
        assert found["lang"] == language, (state, found["lang"])
        if found["page"] > width or found["tables"] or found["boxes"]:
            wrong.append((language, width, state, found))


def test_the_notification_page_fits_and_works_in_every_language(browser, live_server, world,
                                                                telegram_on):
    base, wrong = live_server.url, []
    for number, language in enumerate(LANGUAGES):
        user = f.UserFactory(username=f"clerk-{language}", role=m.Role.CLERK,
                             mahallas=[world.mahalla_a], language=language)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/login/?next=/account/notifications/")
        page.locator("#id_username").fill(user.username)
        page.locator("#id_password").fill("pass-word-123")
        page.locator("#id_password").press("Enter")
        expect(page).to_have_url(f"{base}/account/notifications/")
        fits(page, language, "not linked", wrong)

        # the preferences: a channel box turned on, quiet hours over midnight
        box = page.locator("table input[type=checkbox]").first
        was = box.is_checked()
        box.set_checked(not was)
        page.locator("#id_quiet_from").fill("22:00")
        page.locator("#id_quiet_until").fill("07:00")
        page.locator("form.stacked button[type=submit]").click()
        expect(page.locator(".message.success")).to_be_visible()
        expect(page.locator("#id_quiet_from")).to_have_value("22:00")
        expect(page.locator("#id_quiet_until")).to_have_value("07:00")
        assert page.locator("table input[type=checkbox]").first.is_checked() is not was
        user.refresh_from_db()
        assert (user.quiet_from, user.quiet_until) == (datetime.time(22), datetime.time(7))
        fits(page, language, "saved", wrong)

        # Telegram: a code with its deep link, then linked by the bot, then unlinked
        page.locator("#telegram form button[type=submit]").click()
        code = page.locator("#telegram code").inner_text().removeprefix("/start ").strip()
        expect(page.locator("#telegram a.button")).to_have_attribute(
            "href", f"https://t.me/hashar_reminders_test_bot?start={code}")
        fits(page, language, "code waiting", wrong)
        reply = bot.handle_update({"message": {
            "chat": {"type": "private", "id": 7000 + number},
            "from": {"username": f"user_{language}"}, "text": f"/start {code}"}})
        assert reply["chat_id"] == 7000 + number
        link = m.TelegramLink.objects.get(user=user)
        assert link.linked and link.chat_id == 7000 + number
        # the page notices on its own (htmx polls the Telegram part while a code waits)
        expect(page.locator("#telegram")).to_contain_text(f"@user_{language}", timeout=15_000)
        page.reload()
        fits(page, language, "linked", wrong)
        page.locator("#telegram form button[type=submit]").click()  # unlink
        expect(page.locator(".message.success")).to_be_visible()
        after = m.TelegramLink.objects.filter(user=user).first()
        assert after is None or not after.linked
        expect(page.locator("#telegram form button[type=submit]")).to_be_visible()  # link again
        context.close()
    assert not wrong, wrong
