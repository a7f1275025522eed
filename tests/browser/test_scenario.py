"""One walk through the pages in a real browser: a clerk funds a project, an officer
approves it, the public sees it, in English, Uzbek and Russian."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from matching import models as m

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()


def test_clerk_officer_and_public_walk_through(browser, live_server, world, shoot, tmp_path):
    m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS",
                                  on=timezone.localdate(), rate=Decimal("151.40"))
    proof = tmp_path / "transfer-slip.pdf"
    proof.write_bytes(PDF)
    base = live_server.url

    # the clerk creates a project, records a pledge and a receipt with proof, and submits it
    clerk = browser.new_context(locale="en-GB").new_page()
    _login(clerk, base, "alice")
    clerk.get_by_role("link", name="New project").click()
    clerk.get_by_label("Title").fill("Navbahor drinking water")
    clerk.get_by_label("Mahalla").select_option(label="Navbahor")
    clerk.get_by_label("Migrant association").select_option(label="Chirchiq Community Moscow")
    clerk.get_by_label("Scheme").select_option(label=str(world.scheme))
    clerk.get_by_label("Eligible cost").fill("40000000")
    clerk.get_by_role("button", name="Create the draft").click()
    clerk.get_by_text("was created as a draft").wait_for()
    project = m.Project.objects.get(title="Navbahor drinking water")

    clerk.get_by_role("link", name="Record a pledge").click()
    clerk.get_by_label("Amount pledged").fill("250000")
    clerk.locator("#id_currency").select_option("RUB")
    clerk.get_by_label("Expected on").fill("2030-01-15")
    clerk.get_by_role("button", name="Record the pledge").click()
    clerk.get_by_text("The pledge was recorded.").wait_for()

    clerk.get_by_role("link", name="Record a receipt").click()
    rate = clerk.get_by_label("Rate to the scheme currency")
    expect(rate).to_have_value("151.400000")  # the rate of the day, pre-filled
    clerk.locator("#id_currency").select_option("KZT")  # htmx asks for that day's KZT rate
    clerk.get_by_text("No KZT rate is stored").wait_for()
    clerk.locator("#id_currency").select_option("RUB")
    expect(clerk.locator("#id_rate")).to_have_value("151.400000")
    clerk.get_by_label("Amount received").fill("200000")
    clerk.get_by_label("Bank or transfer reference").fill("WU-2025-0001")
    clerk.get_by_label("Proof").set_input_files(str(proof))
    shoot(clerk, "01-clerk-receipt-form")
    clerk.get_by_role("button", name="Record the receipt").click()
    clerk.get_by_text("The receipt was recorded").wait_for()
    clerk.get_by_role("button", name="Submit for review").click()
    clerk.get_by_text("was submitted for review").wait_for()
    shoot(clerk, "02-clerk-project")
    receipt = m.Receipt.objects.get(project=project)
    assert receipt.converted == Decimal("30280000.00") and receipt.proof

    # the officer reviews, sees the envelope before and after, and approves
    officer = browser.new_context(locale="en-GB").new_page()
    _login(officer, base, "bob")
    officer.get_by_role("link", name=project.code).click()
    officer.get_by_role("button", name="Start the review").click()
    envelopes = officer.locator("#envelopes")
    assert "100,000,000.00" in envelopes.inner_text() and "80,000,000.00" in envelopes.inner_text()
    officer.get_by_label("Approve", exact=True).check()
    officer.get_by_label("Reason").fill("Clean water for 3,000 people; costs checked")
    officer.get_by_role("button", name="Record the decision").click()
    officer.get_by_text("Decision recorded").wait_for()
    assert re.search(r"Available after.*", envelopes.inner_text(), re.S)
    assert "80,000,000.00" in envelopes.inner_text()
    shoot(officer, "03-officer-approved")
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == Decimal("20000000.00")

    # the public sees the waterfall, on a phone too, then switches language
    public = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{base}/projects/")
    public.get_by_role("link", name="Navbahor drinking water").click()
    bars = public.locator(".waterfall .bar")
    assert bars.count() == 2 and bars.first.is_visible()
    assert public.locator(".bar .matched.w-50").count() == 2  # 20 of 40 million, both parties
    assert "Clean water for 3,000 people" in public.content()
    shoot(public, "04-public-project-phone")

    public.get_by_label("Language").select_option("uz")
    public.get_by_role("button", name="Change").click()
    public.wait_for_selector("html[lang=uz]")
    assert "Moliyalashtirish kaskadi" in public.content()  # "Funding waterfall"
    shoot(public, "05-public-project-uz")
    public.locator("#language-select").select_option("ru")
    public.locator("header form.language button").click()
    public.wait_for_selector("html[lang=ru]")
    assert "Каскад финансирования" in public.content()
    shoot(public, "06-public-project-ru")
