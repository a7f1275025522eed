"""An association's registration in a real browser: it applies without an account, an
administrator approves it, its contact accepts the invitation and logs in; the registration
lapses, the association renews it on its page, and the renewal's approval restarts the two
years."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from matching import models as m
from matching.models.associations import valid_until

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, username, password="pass-word-123"):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def _decide(browser, base, button):
    admin = browser.new_context(locale="en-GB").new_page()
    _login(admin, base, "admin")
    admin.get_by_role("link", name="Programme setup").click()
    admin.get_by_role("link", name="Applications waiting for a decision").click()
    admin.locator("table").get_by_role("link").first.click()
    admin.get_by_role("button", name=button).click()
    admin.get_by_text("is registered until").wait_for()
    admin.context.close()


def test_an_association_applies_is_approved_lapses_and_renews(browser, live_server, world,
                                                               shoot, tmp_path):
    statutes = tmp_path / "statutes.pdf"
    statutes.write_bytes(PDF)
    base = live_server.url

    # anyone applies, choosing the home mahalla among its district's (htmx lists them)
    page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{base}/associations/apply/")
    page.get_by_label("Name of the association").fill("Navbahor Builders Kazan")
    page.get_by_label("Host country").select_option("RU")
    page.get_by_label("Host city").fill("Kazan")
    page.get_by_label("Adult members").fill("12")
    page.get_by_label("Statutes").set_input_files(str(statutes))
    page.get_by_label("Contact person").fill("Aziz Karimov")
    page.locator("#id_email").fill("aziz@example.org")
    page.locator("#id_district").select_option(str(world.district_a.pk))
    page.get_by_label("Navbahor").check()  # appears once htmx has loaded Chirchiq's mahallas
    page.locator("#id_board-0-full_name").fill("Aziz Karimov")
    page.locator("#id_board-0-position").fill("Chair")
    shoot(page, "20-association-application")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone
    page.get_by_role("button", name="Send the application").click()
    page.get_by_text("Application sent").wait_for()
    application = m.RegistrationApplication.objects.get()
    assert list(application.home_mahallas.all()) == [world.mahalla_a]

    # an administrator approves it
    _decide(browser, base, "Approve the registration")
    association = m.MigrantAssociation.objects.get(name="Navbahor Builders Kazan")
    assert association.valid_until == valid_until(timezone.localdate())

    # the contact follows the invitation, chooses a password and logs in
    invitation = next(message for message in mail.outbox if "/invitation/" in message.body)
    link = re.search(r"/invitation/\S+/", invitation.body).group(0)
    page.goto(f"{base}{link}")
    page.locator("#id_new_password1").fill("Kazan-Navbahor-2027")
    page.locator("#id_new_password2").fill("Kazan-Navbahor-2027")
    page.get_by_role("button", name="Set the password").click()
    page.get_by_text("Your password is set").wait_for()
    _login(page, base, "aziz@example.org", "Kazan-Navbahor-2027")
    expect(page.locator("#registration")).to_contain_text(association.registration_number)
    expect(page.get_by_role("alert")).to_have_count(0)

    # two years pass: the registration lapses, and the page says so with the way out
    today = timezone.localdate()
    m.MigrantAssociation.objects.filter(pk=association.pk).update(
        registered_on=today - datetime.timedelta(days=731),
        valid_until=today - datetime.timedelta(days=1))
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("lapsed")
    shoot(page, "21-association-lapsed")
    page.get_by_role("link", name="Renew the registration").click()
    expect(page.get_by_label("Host city")).to_have_value("Kazan")  # what it declared before
    expect(page.get_by_label("Navbahor")).to_be_checked()
    page.get_by_label("Adult members").fill("15")
    page.get_by_label("Statutes").set_input_files(str(statutes))
    page.get_by_role("button", name="Send the renewal").click()
    page.get_by_text("Your renewal was sent").wait_for()

    # the renewal is approved: two years again, from today
    _decide(browser, base, "Approve the registration")
    association.refresh_from_db()
    assert association.valid_until == valid_until(timezone.localdate())
    assert association.member_count == 15
    page.reload()
    expect(page.get_by_role("alert")).to_have_count(0)
    shoot(page, "22-association-renewed")
