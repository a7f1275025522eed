"""The pages of the officers' actions: each says what will happen, does it on POST, and puts
bad input back on its field (400) or a refusal on the form (409), keeping what was typed and
changing nothing."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from matching import ledger
from matching import models as m
from matching import services

from ..services.officer_helpers import capped, committee, in_review, second_officer_above
from .conftest import pdf, png

S = m.ProjectStatus
D = Decimal
TODAY = datetime.date.today()


def html(response):
    return response.content.decode()


def test_the_review_page_shows_the_match_the_pledges_and_every_receipts_details(login, world,
                                                                                   rub_rate):
    capped(world)
    project = world.submitted()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="250000.00",
                                    currency="RUB", expected_on=TODAY)
    receipt = world.receipt(project, "100000.00", currency="RUB", fee="2000.00",
                            reference="WU-77", proof=pdf(), pledge=pledge)
    page = html(login(world.bob).get(reverse("officer-project", args=[project.pk])))
    # the match under the current rules, before any decision: targets, gap, what bound it
    assert 'id="match"' in page and "its cap" in page and "5,000,000.00\xa0UZS" in page
    assert "a top-up must cover it before approval" in page
    # the pledge, what is still missing of it, and the receipt's reference, rate, fee,
    # recorder and proof
    assert "150,000.00\xa0RUB" in page  # 250,000 pledged, 100,000 received
    assert "WU-77" in page and "151.4" in page and "2,000.00\xa0RUB" in page
    assert ">alice<" in page and reverse("receipt-proof", args=[receipt.pk]) in page


def test_the_clerks_page_shows_the_match_before_the_decision(login, world):
    capped(world)
    project = world.project()
    page = html(login(world.alice).get(reverse("clerk-project", args=[project.pk])))
    assert 'id="match"' in page and "its cap" in page and "Funding gap" in page


def test_an_officer_covers_the_gap_on_a_page_and_then_approves(login, world):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    officer = login(world.bob)
    url = reverse("officer-top-up-new", args=[project.pk])
    page = html(officer.get(url))
    assert "Navbahor mahalla committee" in page and "The association raises its own share" in page
    response = officer.post(url, {"funder": str(funder.pk), "amount": "5 000 001",
                                  "reason": "Committee decision 12"})
    assert response.status_code == 400
    assert "Only 5,000,000.00 UZS of the gap is left to cover" in html(response) or \
        "Only 5000000.00 UZS of the gap is left to cover" in html(response)
    assert "Committee decision 12" in html(response)  # what was typed is kept
    assert not m.TopUp.objects.exists()
    response = officer.post(url, {"funder": str(funder.pk), "amount": "5000000",
                                  "reason": "Committee decision 12"})
    assert response.status_code == 302
    officer.post(reverse("officer-decide", args=[project.pk]),
                 {"decision": "approve", "reason": "Covered"})
    project.refresh_from_db()
    assert project.status == S.FUNDING
    page = html(officer.get(reverse("officer-project", args=[project.pk])))
    assert "Top-up" in page and "Committed at approval" in page


@pytest.mark.parametrize("data, message", [
    ({"funder": "association", "amount": "abc", "reason": "x"}, "Use digits only"),
    ({"funder": "association", "amount": "100", "reason": ""}, "This field is required."),
    ({"funder": "999999", "amount": "100", "reason": "x"}, "Select a valid choice."),
])
def test_bad_top_ups_land_on_their_fields(login, world, data, message):
    capped(world)
    project = in_review(world)
    response = login(world.bob).post(reverse("officer-top-up-new", args=[project.pk]), data)
    assert response.status_code == 400 and message in html(response)
    assert not m.TopUp.objects.exists()


def test_a_top_up_is_withdrawn_after_a_confirmation(login, world):
    capped(world)
    project = in_review(world)
    top_up = services.top_up_offer(project=project, actor=world.bob, funder=committee(world),
                                   amount="1000000", reason="Letter")
    officer = login(world.bob)
    url = reverse("officer-top-up-withdraw", args=[top_up.pk])
    assert "stays on record" in html(officer.get(url))
    assert officer.post(url).status_code == 302
    response = officer.post(url)
    assert response.status_code == 409 and "already withdrawn" in html(response)


def test_a_decision_above_the_threshold_is_confirmed_by_a_second_officer(login, world):
    second_officer_above(world)
    project = in_review(world)
    first, second = login(world.bob), login(world.erin)
    page = html(first.get(reverse("officer-project", args=[project.pk])))
    assert "will wait for a second officer" in page
    response = first.post(reverse("officer-decide", args=[project.pk]),
                          {"decision": "approve", "reason": "Clean water"})
    assert response.status_code == 302
    pending = m.PendingDecision.objects.get(project=project)
    assert m.Project.objects.get(pk=project.pk).status == S.UNDER_REVIEW
    # the first officer cannot confirm his own decision
    response = first.post(reverse("officer-decision-confirm", args=[pending.pk]), {})
    assert response.status_code == 409 and "a second officer must confirm" in html(response)
    page = html(second.get(reverse("officer-decision", args=[pending.pk])))
    assert "Clean water" in page and "Confirm the decision" in page
    assert second.post(reverse("officer-decision-confirm", args=[pending.pk]),
                       {"reason": "Quotes checked"}).status_code == 302
    project.refresh_from_db()
    assert project.status == S.FUNDING
    page = html(second.get(reverse("officer-project", args=[project.pk])))
    assert "confirmed by erin" in page


def test_sending_a_decision_back_needs_a_reason(login, world):
    second_officer_above(world)
    project = in_review(world)
    pending = services.decision_record(project=project, actor=world.bob, decision="rejected",
                                       reason="Too dear")
    second = login(world.erin)
    response = second.post(reverse("officer-decision-return", args=[pending.pk]), {"reason": ""})
    assert response.status_code == 400 and "This field is required." in html(response)
    assert second.post(reverse("officer-decision-return", args=[pending.pk]),
                       {"reason": "Ask for quotes"}).status_code == 302
    assert m.PendingDecision.objects.get(pk=pending.pk).status == "returned"


def test_conditions_met_with_an_upload_on_the_page(login, world, settings):
    project = in_review(world)
    services.project_approve(project=project, actor=world.bob, reason="ok",
                             conditions="Show the land title")
    officer = login(world.bob)
    url = reverse("officer-conditions-met", args=[project.pk])
    assert "Show the land title" in html(officer.get(url))
    response = officer.post(url, {"reason": "", "evidence": "", "file": ""})
    assert response.status_code == 400
    assert "Choose evidence already uploaded or upload a new file." in html(response)
    assert officer.post(url, {"reason": "Title registered", "evidence": "",
                              "file": pdf("title.pdf"),
                              "description": "Land title"}).status_code == 302
    project.refresh_from_db()
    change = project.timeline.get(from_status=S.CONDITIONALLY_APPROVED)
    assert project.status == S.FUNDING and change.evidence.description == "Land title"


@pytest.mark.parametrize("action", ["suspend", "resume", "cancel"])
def test_suspend_resume_and_cancel_need_a_reason_on_the_page(login, world, action):
    project = world.approved()
    if action == "resume":
        services.project_suspend(project=project, actor=world.bob, reason="Audit")
    officer = login(world.bob)
    url = reverse(f"officer-{action}", args=[project.pk])
    before = m.Project.objects.get(pk=project.pk).status
    page = html(officer.get(url))
    if action == "cancel":
        assert 'id="accounting"' in page and "refunded" in page
    response = officer.post(url, {"reason": " "})
    assert response.status_code == 400
    assert m.Project.objects.get(pk=project.pk).status == before
    assert officer.post(url, {"reason": "Committee session 4"}).status_code == 302
    expected = {"suspend": S.SUSPENDED, "resume": S.FUNDING, "cancel": S.CANCELLED}[action]
    assert m.Project.objects.get(pk=project.pk).status == expected
    assert ledger.verify() == []


@pytest.mark.parametrize("who, name", [("bob", "officer-start"), ("alice", "clerk-start")])
def test_works_start_on_a_page_with_the_contract(login, world, who, name):
    project = world.approved()
    world.receipt(project, "20000000.00")
    client = login(getattr(world, who))
    url = reverse(name, args=[project.pk])
    response = client.post(url, {"executor": "Suv Qurilish", "executor_kind": "contractor",
                                 "amount": "39 500 000", "signed_on": (
                                     TODAY + datetime.timedelta(days=3)).isoformat(),
                                 "document": pdf("contract.pdf")})
    assert response.status_code == 400
    assert "A contract cannot be signed in the future." in html(response)
    assert "Suv Qurilish" in html(response)
    response = client.post(url, {"executor": "Suv Qurilish", "executor_kind": "contractor",
                                 "amount": "39 500 000", "signed_on": TODAY.isoformat(),
                                 "document": pdf("contract.pdf")})
    assert response.status_code == 302
    contract = m.Contract.objects.get(project=project)
    assert contract.amount == D("39500000") and contract.executor == "Suv Qurilish"
    assert m.Project.objects.get(pk=project.pk).status == S.IN_PROGRESS


def _completed(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    world.start_works(project)
    photo = world.evidence(project)
    for tranche in m.Tranche.objects.filter(commitment__project=project, number=1):
        services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=photo)
    world.signed_off(project)
    world.evidence(project, "handover_act")
    services.project_complete(project=project, actor=world.clerk_of(project))
    return project


def test_the_close_page_shows_the_final_accounting_and_closes_once(login, world):
    project = _completed(world)
    officer = login(world.bob)
    url = reverse("officer-close", args=[project.pk])
    page = html(officer.get(url))
    assert "To be released" in page and "12,000,000.00\xa0UZS" in page
    assert "cannot be undone" in page
    assert officer.post(url, {"reason": "Works accepted"}).status_code == 302
    assert m.Project.objects.get(pk=project.pk).status == S.CLOSED
    response = officer.post(url, {"reason": "Again"})
    assert response.status_code == 409 and "cannot become" in html(response)
    assert m.LedgerEntry.objects.filter(kind="reservation", amount__lt=0).count() == 1
    # the public page says what was not spent and where it went: its final accounting, read
    # from the ledger, gives the district's 12,000,000 back to the district's budget
    public = html(login(world.auditor).get(reverse("public-project", args=[project.code])))
    accounting = public.split('id="final-accounting"', 1)[1].split('id="ledger"', 1)[0]
    assert "The project is closed" in accounting
    district = re.search(r'<tr><th scope="row"[^>]*>Chirchiq hokimiyati<.*?</tr>', accounting,
                         re.DOTALL).group()
    assert 'data-label="Released or refunded" class="num">12,000,000.00\xa0UZS<' in district
    assert ledger.verify() == []


def test_a_clawback_on_the_page(login, world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    tranche = project.commitments.get(role="district").tranches.get(number=1)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=world.evidence(project))
    officer = login(world.bob)
    url = reverse("officer-clawback", args=[tranche.pk])
    response = officer.post(url, {"amount": "9 000 000", "reason": "Inflated", "evidence": "",
                                  "file": png("finding.png")})
    assert response.status_code == 400 and "Only 8000000.00 was paid" in html(response)
    assert not m.Evidence.objects.filter(description="", kind="other").exists()
    response = officer.post(url, {"amount": "3 000 000", "reason": "Inflated", "evidence": "",
                                  "file": png("finding.png")})
    assert response.status_code == 302
    assert m.Tranche.objects.get(pk=tranche.pk).disbursed == D("5000000.00")
    assert ledger.verify() == []


@pytest.mark.parametrize("kind", ["refund", "reverse"])
def test_a_receipt_is_refunded_or_reversed_on_a_page(login, world, kind):
    project = world.approved()
    receipt = world.receipt(project, "6000000.00", reference="SWIFT-9")
    officer = login(world.bob)
    url = reverse(f"officer-receipt-{kind}", args=[receipt.pk])
    assert "SWIFT-9" in html(officer.get(url))
    assert officer.post(url, {"reason": ""}).status_code == 400
    assert officer.post(url, {"reason": "Sent twice"}).status_code == 302
    assert m.Receipt.objects.get(pk=receipt.pk).status != m.ReceiptStatus.RECORDED
    assert officer.get(url).status_code == 404  # no longer recorded: nothing to undo
    assert ledger.verify() == []


def test_the_clerk_withdraws_a_pledge_and_it_stays_listed(login, world):
    project = world.submitted()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="250000.00",
                                    currency="RUB", expected_on=TODAY)
    clerk = login(world.alice)
    url = reverse("clerk-pledge-withdraw", args=[pledge.pk])
    assert "stays on record" in html(clerk.get(url))
    assert clerk.post(url).status_code == 302
    page = html(clerk.get(reverse("clerk-project", args=[project.pk])))
    assert "Withdrawn" in page and "250,000.00\xa0RUB" in page
    response = clerk.post(url)
    assert response.status_code == 409 and "already withdrawn" in html(response)


def test_the_officer_project_page_reads_as_many_queries_for_many_receipts_as_for_few(
        login, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project = world.approved()
    officer = login(world.bob)

    def add(n):
        for _ in range(n):
            world.receipt(project, "1000.00", proof=pdf())
            services.pledge_create(project=project, actor=world.migrant, amount="10.00",
                                   currency="RUB", expected_on=TODAY)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert officer.get(reverse("officer-project", args=[project.pk])).status_code == 200
        return len(captured)

    add(2)
    few = queries()
    add(6)
    assert queries() == few, "the page reads something per receipt or pledge"
    assert few <= 45


def test_the_queue_lists_the_decisions_waiting_for_this_officers_confirmation(login, world):
    second_officer_above(world)
    project = in_review(world, title="Navbahor big pipe")
    pending = services.decision_record(project=project, actor=world.bob, decision="approved",
                                       reason="Good")
    link = reverse("officer-decision", args=[pending.pk])
    assert link in html(login(world.erin).get(reverse("officer-queue")))
    assert link not in html(login(world.bob).get(reverse("officer-queue")))  # his own
    assert link not in html(login(world.dave).get(reverse("officer-queue")))  # not his district
