"""The scheme editor in a real browser: the preview of the example project follows the rules
as they are typed (htmx, under the strict CSP), and saving publishes a new version."""

import pytest
from playwright.sync_api import expect

from matching import models as m

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_preview_follows_the_rules_and_saving_publishes_them(browser, live_server, world,
                                                                  shoot):
    page = browser.new_context(locale="en-GB").new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/setup/schemes/{world.scheme.pk}/edit/")
    table = page.locator("#preview-table")
    # 1x1 on the example's 100,000,000: 50,000,000 each
    expect(table).to_contain_text("50,000,000.00")
    # the district's weight doubles: the preview recomputes without saving
    page.locator("#id_parties-1-weight").fill("2")
    page.locator("#id_parties-1-weight").blur()
    expect(table).to_contain_text("66,666,666.67")
    assert world.scheme.versions.count() == 1
    # a cap on the district binds
    page.locator("#id_parties-1-cap").fill("40000000")
    page.locator("#id_parties-1-cap").blur()
    expect(table).to_contain_text("its cap")
    expect(page.locator("#preview-gap")).to_contain_text("26,666,666.67")
    shoot(page, "30-scheme-editor-preview")
    page.get_by_role("button", name="Publish these rules").click()
    page.get_by_text("are published as version 2").wait_for()
    rules = world.scheme.versions.get(number=2).rules
    assert rules["parties"][1] == {"role": "district", "weight": "2", "cap": "40000000.00"}
    assert m.Scheme.objects.get(pk=world.scheme.pk).parties.get(role="district").weight == 2
    assert not [e for e in errors if "Content Security Policy" in e], errors
