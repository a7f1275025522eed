"""One project's whole life, from the clerk's empty form to `closed`, through the pages only,
in one Chromium: the clerk, the officer, the second officer, the association and the auditor
each on their own pages, logged in through the login page. Only the world is set up in code
(people, the scheme with a cap that opens a gap and a second-officer threshold, the
envelopes, the day's exchange rate); every step of the project is a click.

On the way: a pledge and two receipts (one sent to the wrong project, refunded by the
officer who did not record it), a gap covered by the mahalla committee's top-up, a
conditional approval above the threshold confirmed by a second officer and then met on
evidence, the works started under a contract by the clerk, disbursements against the act of
works, a progress report with a photo, the oversight committee's sign-off, the handover act,
a clawback after an inspection, and the closing accounts. At the end the public page says
what was not spent and where it went, the auditor reads the ledger and the audit trail, and
the ledger holds: `verify_ledger` clean, and every sum what the match rules make it."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import expect

from matching import ledger
from matching import models as m
from matching.demo import images

from ..services.officer_helpers import capped, committee, second_officer_above
from .steps import add_committee, done
from .test_scenario import PDF, _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NBSP = "\xa0"


def _files(tmp_path) -> dict[str, str]:
    names = {}
    for name in ("transfer-slip.pdf", "wrong-slip.pdf", "land-title.pdf", "contract.pdf",
                 "act-of-works-1.pdf", "inspection.pdf", "handover-act.pdf"):
        (tmp_path / name).write_bytes(PDF)
        names[name] = str(tmp_path / name)
    photo = tmp_path / "trench.jpg"
    photo.write_bytes(images.photo(taken_at=timezone.now() - datetime.timedelta(days=1)))
    names["trench.jpg"] = str(photo)
    return names


def _record_receipt(clerk, amount, reference, proof, *, currency=None, fee=None, rate=None):
    """From the clerk's project page: a receipt with its proof, against the pledge unless
    its currency is changed."""
    clerk.get_by_role("link", name="Record a receipt").click()
    if rate:  # the day's rate, pre-filled
        expect(clerk.get_by_label("Rate to the scheme currency")).to_have_value(rate)
    if currency:
        clerk.locator("#id_currency").select_option(currency)
    else:
        clerk.get_by_label("Pledge").select_option(index=1)
    clerk.get_by_label("Amount received").fill(amount)
    if fee:
        clerk.get_by_label("Transfer fee").fill(fee)
    clerk.get_by_label("Bank or transfer reference").fill(reference)
    clerk.get_by_label("Proof").set_input_files(proof)
    clerk.get_by_role("button", name="Record the receipt").click()
    done(clerk, "The receipt was recorded")


def _sum(project, **filters) -> Decimal:
    return (m.LedgerEntry.objects.filter(project=project, **filters)
            .aggregate(total=Sum("amount"))["total"] or Decimal("0.00"))


def test_a_project_from_an_empty_form_to_closed_through_the_pages(
        browser, live_server, world, shoot, tmp_path):
    # the world, in code: the district's share capped at 15,000,000 (a 40,000,000 project
    # then has a gap of 5,000,000), the mahalla committee with an envelope to cover it,
    # decisions above 10,000,000 confirmed by a second officer, and the day's rouble rate
    capped(world)
    second_officer_above(world)
    funder = committee(world)
    m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS",
                                  on=timezone.localdate(), rate=Decimal("160.00"))
    files = _files(tmp_path)
    base = live_server.url
    today = timezone.localdate()

    # --- the clerk, on a phone: the draft, its milestones, a pledge, two receipts, submit
    clerk = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    _login(clerk, base, "alice")
    expect(clerk).to_have_url(f"{base}/clerk/")
    clerk.get_by_role("link", name="New project").click()
    expect(clerk.get_by_label("Title")).to_have_value("")
    clerk.get_by_label("Title").fill("Navbahor drinking water")
    clerk.get_by_label("Mahalla").select_option(label="Navbahor")
    clerk.get_by_label("Migrant association").select_option(label="Chirchiq Community Moscow")
    clerk.get_by_label("Scheme").select_option(label=str(world.scheme))
    clerk.get_by_label("Category").select_option("drinking_water")
    clerk.get_by_label("Eligible cost").fill("40 000 000")
    clerk.get_by_label("Eligible cost").press("Tab")  # htmx asks the server for eligibility
    expect(clerk.locator("#eligibility")).to_contain_text("Eligible as it stands")
    clerk.get_by_role("button", name="Create the draft").click()
    done(clerk, "was created as a draft")
    project = m.Project.objects.get(title="Navbahor drinking water")
    assert (project.status, project.cost) == ("draft", Decimal("40000000.00"))
    shoot(clerk, "life-01-draft")

    clerk.get_by_role("link", name="Milestones").click()
    for n, (title, day, share) in enumerate([("Trench dug", "2030-03-01", "40"),
                                             ("Pipe laid", "2030-06-01", "60")]):
        clerk.locator(f"#id_milestones-{n}-title").fill(title)
        clerk.locator(f"#id_milestones-{n}-planned_on").fill(day)
        clerk.locator(f"#id_milestones-{n}-share").fill(share)
    clerk.get_by_role("button", name="Save the milestones").click()
    done(clerk, "The milestones were saved.")

    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Record a pledge").click()
    clerk.get_by_label("Amount pledged").fill("150 000")
    clerk.locator("#id_currency").select_option("RUB")
    clerk.get_by_label("Expected on").fill((today + datetime.timedelta(days=60)).isoformat())
    clerk.get_by_role("button", name="Record the pledge").click()
    done(clerk, "The pledge was recorded.")

    # the association's money: 125,000 RUB at 160.00 = 20,000,000 UZS, its whole share,
    # against the pledge; and 6,000,000 UZS sent to this project by mistake
    _record_receipt(clerk, "125 000", "SWIFT-0042", files["transfer-slip.pdf"], fee="1 500",
                    rate="160.000000")
    _record_receipt(clerk, "6 000 000", "WU-TYPO", files["wrong-slip.pdf"], currency="UZS")
    clerk.get_by_role("button", name="Submit for review").click()
    done(clerk, "was submitted for review")
    assert m.Project.objects.get(pk=project.pk).status == "submitted"

    # --- the association follows it on its own pages: what is still missing, the references
    association = browser.new_context(locale="en-GB").new_page()
    _login(association, base, "migrant")
    expect(association).to_have_url(f"{base}/association/")
    pledge_row = association.locator("tr", has_text=project.code).first
    expect(pledge_row).to_contain_text(f"25,000.00{NBSP}RUB")  # 150,000 − 125,000
    expect(association.locator("main")).to_contain_text("SWIFT-0042")

    # --- the officer: the review, the gap, the top-up, the refund, a conditional approval
    officer = browser.new_context(locale="en-GB").new_page()
    _login(officer, base, "bob")
    officer.get_by_role("link", name=project.code).click()
    officer.get_by_role("button", name="Start the review").click()
    receipts = officer.locator("#receipts")
    expect(receipts).to_contain_text("SWIFT-0042")
    row = receipts.locator("tr", has_text="SWIFT-0042")
    for shown in ("160", f"1,500.00{NBSP}RUB", f"20,000,000.00{NBSP}UZS", "alice", "Proof"):
        expect(row).to_contain_text(shown)  # rate, fee, converted, recorder, proof
    expect(officer.locator("#match tfoot")).to_contain_text("5,000,000.00")  # the gap
    expect(officer.locator("#match")).to_contain_text("its cap")

    officer.get_by_role("link", name="Cover the funding gap").click()
    officer.get_by_label("Who covers it").select_option(label="Navbahor mahalla committee")
    officer.get_by_label("Amount").fill("5 000 000")
    officer.get_by_label("Reason").fill("Committee decision 7 of 2 March")
    officer.get_by_role("button", name="Record the top-up").click()
    done(officer, "The top-up was recorded")
    expect(officer.locator("#match tfoot")).not_to_contain_text("5,000,000.00")

    officer.locator("#receipts tr", has_text="WU-TYPO").get_by_role("link", name="Refund").click()
    officer.get_by_label("Reason").fill("Sent to the wrong project; returned to the association")
    officer.get_by_role("button", name="Refund it to the association").click()
    done(officer, "The receipt was refunded")

    officer.get_by_label("Approve with conditions").check()
    officer.get_by_label("Reason").fill("Clean water for 3,000 people; costs checked")
    officer.get_by_role("textbox", name="Conditions").fill(
        "Register the land title of the pumping station")
    officer.get_by_role("button", name="Record the decision").click()
    done(officer, "waits for a second officer")
    assert m.Project.objects.get(pk=project.pk).status == "under_review"

    # --- the second officer confirms it from her queue
    second = browser.new_context(locale="en-GB").new_page()
    _login(second, base, "erin")
    second.get_by_role("link", name=f"{project.code} · {project.title}").click()
    second.get_by_role("button", name="Confirm the decision").click()
    done(second, "Decision confirmed")
    shoot(second, "life-02-second-officer")
    assert m.Project.objects.get(pk=project.pk).status == "conditionally_approved"
    second.context.close()

    # --- the officer: the conditions met, on the land title
    officer.reload()
    officer.get_by_role("link", name="Conditions met").click()
    officer.get_by_label("How the conditions are met").fill("Land title registered on 4 March")
    officer.locator("#id_file").set_input_files(files["land-title.pdf"])
    officer.get_by_role("button", name="Record that the conditions are met").click()
    done(officer, "The conditions are met")
    # the association's share is in and the top-up covers the gap: every party's share is in
    assert m.Project.objects.get(pk=project.pk).status == "funded"

    # --- the clerk starts the works under a contract, and uploads the act of works
    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Start the works").click()
    clerk.locator("#id_executor").fill("Chirchiq Suv Qurilish LLC")
    clerk.get_by_label("Contract amount").fill("39 800 000")
    clerk.get_by_label("Signed on").fill(today.isoformat())
    clerk.get_by_label("Signed contract").set_input_files(files["contract.pdf"])
    clerk.get_by_role("button", name="Record the contract and start").click()
    done(clerk, "The works started")
    clerk.get_by_role("link", name="Upload evidence").click()
    clerk.get_by_label("Kind").select_option("disbursement")
    clerk.get_by_label("File").set_input_files(files["act-of-works-1.pdf"])
    clerk.get_by_label("Description").fill("Act of works no. 1: trench dug")
    clerk.get_by_label("Measured quantity").fill("400 m of trench")
    clerk.get_by_role("button", name="Upload").click()
    done(clerk, "uploaded")

    # --- the officer pays the first tranches of the district and of the association
    # against that act
    officer.reload()
    for party in ("Chirchiq hokimiyati", "Migrant association"):
        officer.locator("#tranches tr", has_text=party).first.get_by_role(
            "link", name="Record a disbursement").click()
        act = officer.locator("#id_evidence option", has_text="Act of works no. 1")
        expect(act).to_contain_text("400 m of trench · alice")
        officer.get_by_label("Evidence already uploaded").select_option(
            act.get_attribute("value"))
        officer.get_by_role("button", name="Record the disbursement").click()
        done(officer, "The disbursement was recorded")

    # --- the clerk: a progress report with a photo, the committee's sign-off, the handover
    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Progress report").click()
    clerk.get_by_label("How the works are going").fill("Trench dug along the whole street.")
    clerk.get_by_label("Photos").set_input_files(files["trench.jpg"])
    clerk.get_by_label("Trench dug").fill("100")
    clerk.get_by_label("Pipe laid").fill("50")
    clerk.get_by_role("button", name="Record the progress report").click()
    done(clerk, "The progress report was recorded.")
    expect(clerk.locator("section.works")).to_contain_text(f"70{NBSP}%")  # 40 + 60 × 50 %

    clerk.get_by_role("link", name="Oversight committee").click()
    add_committee(clerk)
    for n, findings in enumerate(["Pipe laid as planned.", "", "Street restored."]):
        clerk.get_by_role("link", name="Record the answer").nth(n).click()
        clerk.get_by_label("Signed the handover act").check()
        clerk.get_by_label("Findings").fill(findings)
        clerk.get_by_role("button", name="Record the answer").click()
        done(clerk, "The member's answer on the handover act was recorded.")

    clerk.goto(f"{base}/clerk/projects/{project.pk}/")
    clerk.get_by_role("link", name="Complete the project").click()
    clerk.get_by_label("Signed handover act").set_input_files(files["handover-act.pdf"])
    clerk.get_by_label("Note").fill("Handed over to the mahalla committee.")
    clerk.get_by_role("button", name="Complete the project").click()
    done(clerk, f"Project {project.code} is completed.")
    shoot(clerk, "life-03-completed")
    clerk.context.close()

    # --- the officer: an inspection finds 100 m of pipe not laid, part of it clawed back;
    # then the closing accounts
    officer.reload()
    officer.locator("#tranches tr", has_text="Chirchiq hokimiyati").first.get_by_role(
        "link", name="Clawback").click()
    officer.get_by_label("Amount recovered").fill("500 000")
    officer.get_by_label("Reason").fill("Inspection: 100 m of pipe not laid")
    officer.locator("#id_file").set_input_files(files["inspection.pdf"])
    officer.get_by_role("button", name="Record the clawback").click()
    done(officer, "The clawback was recorded")

    officer.get_by_role("link", name="Close the project").click()
    accounting = officer.locator("#accounting")
    expect(accounting).to_contain_text("To be released")
    # the district: 15,000,000 reserved, 5,500,000 paid; the committee paid nothing
    expect(accounting.locator("tfoot")).to_contain_text("14,500,000.00")
    officer.get_by_label("Note").fill("Works handed over; accounts settled")
    officer.get_by_role("button", name="Close and release what was not disbursed").click()
    done(officer, "The project is closed")
    shoot(officer, "life-04-closed")
    officer.context.close()

    # --- the association sees the decisions and the tranches, with who took each
    association.goto(f"{base}/association/")
    association.get_by_role("link", name=project.code).first.click()
    expect(association.locator("main")).to_contain_text("Closed")
    expect(association.locator("main")).to_contain_text("Land title registered on 4 March")
    tranche = association.locator("h2:has-text('Tranche schedule') + .table-wrap tr",
                                  has_text="Migrant association").first
    expect(tranche).to_contain_text(f"8,000,000.00{NBSP}UZS")  # its first tranche, paid
    association.context.close()

    # --- the nightly check, as its command, then the auditor reads his pages
    call_command("verify_ledger")
    auditor = browser.new_context(locale="en-GB").new_page()
    _login(auditor, base, "auditor")
    expect(auditor).to_have_url(f"{base}/audit/")
    expect(auditor.locator("main")).to_contain_text("every cached total agrees")
    auditor.get_by_role("link", name="Ledger", exact=True).click()
    auditor.get_by_label("Project code").fill(project.code)
    auditor.get_by_label("Kind").select_option("clawback")
    auditor.get_by_role("button", name="Filter").click()
    rows = auditor.locator("main tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"-500,000.00{NBSP}UZS")
    auditor.get_by_role("link", name="Audit trail").click()
    auditor.locator("#id_model").select_option("Project")
    auditor.get_by_label("Record number").fill(str(project.pk))
    auditor.get_by_role("button", name="Filter").click()
    trail = auditor.locator("main")
    for who in ("alice", "bob", "erin"):
        expect(trail).to_contain_text(who)
    shoot(auditor, "life-05-audit-trail")
    auditor.context.close()

    # --- the public: the final accounting says what was not spent and where it went
    public = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    public.goto(f"{base}/projects/")
    public.get_by_role("link", name="Navbahor drinking water").click()
    expect(public.locator("#final-accounting + p")).to_contain_text("The project is closed")
    accounts = public.locator("#final-accounting ~ .table-wrap").first

    def cell(party, column):
        return accounts.get_by_role("row").filter(has_text=party).locator(
            f'td[data-label="{column}"]')

    expect(cell("Chirchiq hokimiyati", "Paid to the executor")).to_have_text(
        f"5,500,000.00{NBSP}UZS")
    expect(cell("Chirchiq hokimiyati", "Released or refunded")).to_have_text(
        f"9,500,000.00{NBSP}UZS")
    expect(cell("Navbahor mahalla committee", "Released or refunded")).to_have_text(
        f"5,000,000.00{NBSP}UZS")
    expect(cell("Chirchiq Community Moscow", "Paid to the executor")).to_have_text(
        f"8,000,000.00{NBSP}UZS")
    expect(cell("Chirchiq Community Moscow", "Still held")).to_have_text(
        f"12,000,000.00{NBSP}UZS")
    assert "Karimjon Rahimov" not in public.content()
    assert "SWIFT-0042" not in public.content()  # no bank reference in public
    shoot(public, "life-06-public-closed")
    public.context.close()

    # --- the records: closed, and the ledger holds, to the unit
    project.refresh_from_db()
    assert project.status == m.ProjectStatus.CLOSED
    assert ledger.verify() == []
    assert m.LedgerCheck.objects.first().ok
    assert list(project.timeline.order_by("at", "id").values_list("to_status", flat=True)) == [
        "draft", "submitted", "under_review", "conditionally_approved", "funding", "funded",
        "in_progress", "completed", "closed"]
    assert (project.received, project.disbursed) == (Decimal("20000000.00"),
                                                     Decimal("13500000.00"))
    E = m.EntryKind
    assert _sum(project, kind=E.RECEIPT) == Decimal("26000000.00")
    assert _sum(project, kind=E.REFUND) == Decimal("-6000000.00")
    assert _sum(project, kind=E.DISBURSEMENT) == Decimal("14000000.00")  # 6m + 8m
    assert _sum(project, kind=E.CLAWBACK) == Decimal("-500000.00")
    # reservations: 15m + 5m at approval, 9.5m + 5m released at closure
    assert _sum(project, kind=E.RESERVATION) == Decimal("5500000.00")
    assert _sum(project, kind=E.RESERVATION, amount__lt=0) == Decimal("-14500000.00")
    # every co-funder's match brought down to what it paid
    assert _sum(project, kind=E.MATCH, role="district") == Decimal("5500000.00")
    assert _sum(project, kind=E.MATCH, role__startswith="top_up_") == Decimal("0.00")
    world.envelope_a.refresh_from_db()
    assert (world.envelope_a.reserved, world.envelope_a.disbursed) == (
        Decimal("5500000.00"), Decimal("5500000.00"))
    assert m.BudgetEnvelope.objects.get(funder=funder).reserved == Decimal("0.00")
    refunded = m.Receipt.objects.get(project=project, reference="WU-TYPO")
    assert (refunded.status, refunded.converted) == ("refunded", Decimal("6000000.00"))
    kept = m.Receipt.objects.get(project=project, reference="SWIFT-0042")
    assert (kept.converted, kept.fee, kept.recorded_by) == (
        Decimal("20000000.00"), Decimal("1500.00"), world.alice)
