"""An officer and a second officer take a project from under review to closed, through the
pages only, in Chromium: a top-up covers the gap a cap opened, a decision above the
threshold is confirmed by the second officer, conditions are met on evidence, a receipt is
refunded, a tranche disbursed against evidence and partly clawed back, the works start under
a contract, and the project closes with its final accounting. The clerk's steps and the
handover (other pages) are set up in code."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from matching import ledger
from matching import models as m
from matching import services

from ..services.officer_helpers import capped, committee, second_officer_above
from .test_scenario import PDF, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _done(page, text):
    page.locator(".message.success", has_text=text).wait_for()


def test_officer_and_second_officer_take_a_project_from_review_to_closed(
        browser, live_server, world, shoot, tmp_path):
    # given, in code: a 40,000,000 project whose district share is capped at 15,000,000, a
    # committee with an envelope, decisions above 10,000,000 confirmed by a second officer;
    # the clerk submitted it with a receipt of 6,000,000 recorded by mistake
    capped(world)
    second_officer_above(world)
    funder = committee(world)
    project = world.submitted(title="Navbahor drinking water")
    mistaken = world.receipt(project, "6000000.00", reference="WU-TYPO")
    for name in ("title.pdf", "act.pdf", "contract.pdf", "finding.pdf"):
        (tmp_path / name).write_bytes(PDF)
    base = live_server.url

    # the officer starts the review and sees the gap the cap opened
    bob = browser.new_context(locale="en-GB").new_page()
    _login(bob, base, "bob")
    bob.get_by_role("link", name=project.code).click()
    bob.get_by_role("button", name="Start the review").click()
    assert "5,000,000.00" in bob.locator("#match tfoot").inner_text()
    assert "its cap" in bob.locator("#match").inner_text()

    # the committee tops the gap up
    bob.get_by_role("link", name="Cover the funding gap").click()
    bob.get_by_label("Who covers it").select_option(label="Navbahor mahalla committee")
    bob.get_by_label("Amount").fill("5 000 000")
    bob.get_by_label("Reason").fill("Committee decision 7 of 2 March")
    bob.get_by_role("button", name="Record the top-up").click()
    _done(bob, "The top-up was recorded")
    assert "0.00" in bob.locator("#match tfoot").inner_text()

    # the officer approves on conditions: above the threshold, it waits
    bob.get_by_label("Approve with conditions").check()
    bob.get_by_label("Reason").fill("Clean water for 3,000 people")
    bob.get_by_role("textbox", name="Conditions").fill("Register the land title of the pumping station")
    bob.get_by_role("button", name="Record the decision").click()
    _done(bob, "waits for a second officer")
    shoot(bob, "10-officer-decision-waiting")
    assert m.Project.objects.get(pk=project.pk).status == "under_review"

    # the second officer confirms it from her queue
    erin = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    _login(erin, base, "erin")
    erin.get_by_role("link", name=f"{project.code} · {project.title}").click()
    erin.get_by_role("button", name="Confirm the decision").click()
    _done(erin, "Decision confirmed")
    shoot(erin, "11-second-officer-confirmed-phone")
    assert "confirmed by erin" in erin.content()
    project.refresh_from_db()
    assert project.status == "conditionally_approved"
    assert m.BudgetEnvelope.objects.get(funder=funder).reserved == Decimal("5000000.00")

    # conditions met, on the land title uploaded with it
    bob.reload()
    bob.get_by_role("link", name="Conditions met").click()
    bob.get_by_label("How the conditions are met").fill("Land title registered on 4 March")
    bob.locator("#id_file").set_input_files(str(tmp_path / "title.pdf"))
    bob.get_by_role("button", name="Record that the conditions are met").click()
    _done(bob, "The conditions are met")

    # the receipt typed by mistake is refunded by the officer, who did not record it
    bob.locator("#receipts tr", has_text="WU-TYPO").get_by_role("link", name="Refund").click()
    bob.get_by_label("Reason").fill("Sent to the wrong project; returned to the association")
    bob.get_by_role("button", name="Refund it to the association").click()
    _done(bob, "The receipt was refunded")
    assert m.Receipt.objects.get(pk=mistaken.pk).status == "refunded"

    # in code: the association's share arrives (the clerk's receipt page)
    world.receipt(project, "20000000.00", reference="SWIFT-0042")
    assert m.Project.objects.get(pk=project.pk).status == "funded"

    # the works start under a contract
    bob.reload()
    bob.get_by_role("link", name="Start the works").click()
    bob.locator("#id_executor").fill("Chirchiq Suv Qurilish LLC")
    bob.get_by_label("Contract amount").fill("39 800 000")
    bob.get_by_label("Signed on").fill(project.created_at.date().isoformat())
    bob.get_by_label("Signed contract").set_input_files(str(tmp_path / "contract.pdf"))
    bob.get_by_role("button", name="Record the contract and start").click()
    _done(bob, "The works started")
    assert "Chirchiq Suv Qurilish LLC" in bob.locator("#contract").inner_text()

    # the district's first tranche is paid against the act of works
    row = bob.locator("#tranches tr", has_text="Chirchiq hokimiyati").first
    row.get_by_role("link", name="Record a disbursement").click()
    bob.locator("#id_file").set_input_files(str(tmp_path / "act.pdf"))
    bob.get_by_label("Description of the new evidence").fill("Act of works no. 1")
    bob.get_by_role("button", name="Record the disbursement").click()
    _done(bob, "The disbursement was recorded")

    # an inspection finds 100 m of pipe not laid: part of it is clawed back
    row = bob.locator("#tranches tr", has_text="Chirchiq hokimiyati").first
    row.get_by_role("link", name="Clawback").click()
    bob.get_by_label("Amount recovered").fill("500 000")
    bob.get_by_label("Reason").fill("Inspection: 100 m of pipe not laid")
    bob.locator("#id_file").set_input_files(str(tmp_path / "finding.pdf"))
    bob.get_by_role("button", name="Record the clawback").click()
    _done(bob, "The clawback was recorded")
    district = m.Commitment.objects.get(project=project, role="district")
    assert district.disbursed == Decimal("5500000.00")  # 6,000,000 paid, 500,000 back

    # in code: the committee's sign-off, the handover act and the clerk's completion (the
    # clerk's and the committee's pages)
    world.signed_off(project)
    services.evidence_add(project=project, actor=world.alice, kind="handover_act",
                          file=SimpleUploadedFile("handover.pdf", PDF))
    services.project_complete(project=project, actor=world.clerk_of(project))

    # the officer closes it, after reading the final accounting
    bob.reload()
    bob.get_by_role("link", name="Close the project").click()
    accounting = bob.locator("#accounting").inner_text()
    assert "To be released" in accounting and "9,500,000.00" in accounting  # 15m − 5.5m
    shoot(bob, "12-officer-final-accounting")
    bob.get_by_role("button", name="Close and release what was not disbursed").click()
    _done(bob, "The project is closed")

    # the public page says what was not spent and where it went; the ledger holds
    public = browser.new_context(locale="en-GB").new_page()
    public.goto(f"{base}/projects/{project.code}/")
    expect(public.locator("#final-accounting + p")).to_contain_text("The project is closed")
    accounts = public.locator("#final-accounting ~ .table-wrap").first
    committee_row = accounts.get_by_role("row").filter(has_text="Navbahor mahalla committee")
    expect(committee_row.locator('td[data-label="Released or refunded"]')).to_have_text(
        "5,000,000.00\xa0UZS")  # its whole top-up, back in its budget: nothing paid from it
    shoot(public, "13-public-closed-project")
    project.refresh_from_db()
    assert project.status == "closed"
    assert m.BudgetEnvelope.objects.get(funder=funder).reserved == 0  # nothing paid from it
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved == world.envelope_a.disbursed == Decimal("5500000.00")
    assert ledger.verify() == []
