"""The officer's pages: queue, explanation, envelope impact, decisions, disbursements."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import formats, timezone

from matching import models as m
from matching import services

from .conftest import png


def test_clerk_may_not_open_the_officer_area(login, world):
    assert login(world.alice).get(reverse("officer-queue")).status_code == 403


def test_queue_lists_his_district_only(login, world, django_assert_max_num_queries):
    for n in range(4):
        world.submitted(title=f"Navbahor well {n}")
    world.submitted(title="Guliston bridge", mahalla=world.mahalla_b)
    officer = login(world.bob)
    with django_assert_max_num_queries(8):
        response = officer.get(reverse("officer-queue"))
    html = response.content.decode()
    assert "Navbahor well 3" in html and "Guliston bridge" not in html


@pytest.mark.parametrize("name", ["officer-project", "officer-review-start", "officer-decide"])
def test_another_districts_project_is_not_found(login, world, name):
    project = world.submitted()
    client = login(world.dave)
    response = client.get(reverse(name, args=[project.pk])) if name == "officer-project" \
        else client.post(reverse(name, args=[project.pk]), {"decision": "rejected",
                                                            "reason": "No"})
    project.refresh_from_db()
    assert response.status_code == 404 and project.status == "submitted"


def test_review_page_explains_the_match_and_the_envelope_before_approval(login, world):
    project = world.submitted()
    world.receipt(project, "12000000.00")
    html = login(world.bob).get(reverse("officer-project", args=[project.pk])).content.decode()
    assert "Target of district: 20000000.00 UZS (share)." in html
    assert "district owes 12000000.00 × 1/1 = 12000000.00 → 12000000.00." in html
    # envelope A: 100,000,000 available before, 80,000,000 after this project's target
    assert "100,000,000.00\xa0UZS" in html and "80,000,000.00\xa0UZS" in html
    assert "Chirchiq hokimiyati" in html


def test_explanation_is_shown_in_the_readers_language(login, world):
    project = world.submitted()
    html = login(world.bob, "ru").get(reverse("officer-project", args=[project.pk])) \
        .content.decode()
    assert "Target of district" not in html
    assert "20000000.00 UZS" in html


def test_association_history_shows_its_other_projects_in_scope(login, world):
    project = world.submitted(title="Current one")
    world.project(title="Earlier draft")
    world.project(title="Bekobod draft", mahalla=world.mahalla_b)  # district B, not public
    html = login(world.bob).get(reverse("officer-project", args=[project.pk])).content.decode()
    assert "Earlier draft" in html and "Bekobod draft" not in html


def _decide(client, project, **data):
    return client.post(reverse("officer-decide", args=[project.pk]), data)


def _in_review(world):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    return project


def test_officer_starts_the_review(login, world):
    project = world.submitted()
    login(world.bob).post(reverse("officer-review-start", args=[project.pk]))
    project.refresh_from_db()
    assert project.status == "under_review"


def test_officer_approves_and_the_envelope_is_reserved(login, world):
    project = _in_review(world)
    response = _decide(login(world.bob), project, decision="approve", reason="Good value")
    project.refresh_from_db()
    world.envelope_a.refresh_from_db()
    assert response.status_code == 302
    assert project.status == "funding"
    assert world.envelope_a.reserved == Decimal("20000000.00")
    assert project.timeline.get(to_status="approved").reason == "Good value"


def test_approval_with_conditions_keeps_them(login, world):
    project = _in_review(world)
    _decide(login(world.bob), project, decision="conditions", reason="Fine",
            conditions="Show the contractor's licence")
    project.refresh_from_db()
    assert project.status == "conditionally_approved"
    assert project.conditions == "Show the contractor's licence"


@pytest.mark.parametrize("decision", ["deferred", "rejected"])
def test_officer_defers_or_rejects_with_a_reason(login, world, decision):
    project = _in_review(world)
    _decide(login(world.bob), project, decision=decision, reason="Next season's budget")
    project.refresh_from_db()
    assert project.status == decision
    assert project.timeline.get(to_status=decision).reason == "Next season's budget"


@pytest.mark.parametrize("data, message", [
    ({"decision": "approve", "reason": ""}, "This field is required."),
    ({"decision": "conditions", "reason": "Fine", "conditions": ""},
     "State the conditions of the approval."),
    ({"decision": "fund-my-cousin", "reason": "Why not"}, "Select a valid choice."),
], ids=["no_reason", "conditions_missing", "unknown_decision"])
def test_bad_decision_keeps_the_page_and_changes_nothing(login, world, data, message):
    project = _in_review(world)
    response = _decide(login(world.bob), project, **data)
    project.refresh_from_db()
    assert response.status_code == 400 and message in response.content.decode()
    assert project.status == "under_review" and not project.commitments.exists()


def test_short_envelope_is_refused_with_the_services_message(login, world):
    project = _in_review(world)
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(amount=Decimal("5000000"))
    response = _decide(login(world.bob), project, decision="approve", reason="Good value")
    html = response.content.decode()
    project.refresh_from_db()
    assert response.status_code == 409
    assert "The district envelope lacks 15000000.00 UZS" in html
    assert "Good value" in html  # the reason typed is kept
    assert project.status == "under_review"
    assert not m.LedgerEntry.objects.filter(kind="reservation").exists()


def _funded_tranche(world):
    project = world.approved()
    world.receipt(project, "20000000.00")
    return m.Tranche.objects.filter(commitment__project=project,
                                    commitment__role="district").order_by("number").first()


def test_officer_records_a_disbursement_with_new_evidence(login, world):
    tranche = _funded_tranche(world)
    response = login(world.bob).post(reverse("officer-disburse", args=[tranche.pk]), {
        "amount": "", "paid_on": "", "evidence": "", "file": png("act.png"),
        "description": "Pipe laid, act signed"})
    tranche.refresh_from_db()
    assert response.status_code == 302
    assert tranche.disbursed == tranche.amount and tranche.paid_on == timezone.localdate()
    assert tranche.evidence.kind == "disbursement"


def test_refused_disbursement_keeps_no_uploaded_evidence(login, world, settings):
    tranche = _funded_tranche(world)
    response = login(world.bob).post(reverse("officer-disburse", args=[tranche.pk]), {
        "amount": str(tranche.amount + 1), "evidence": "", "file": png("act.png"),
        "description": "Too much"})
    tranche.refresh_from_db()
    assert response.status_code == 400
    assert "This tranche has 8000000.00 left to pay." in response.content.decode()
    assert tranche.disbursed == 0 and not m.Evidence.objects.exists()
    evidence_folder = settings.MEDIA_ROOT / "evidence"  # nor its file
    assert not evidence_folder.exists() or not any(evidence_folder.rglob("*.png"))


def test_crashed_disbursement_keeps_no_uploaded_file(login, world, settings, monkeypatch):
    tranche = _funded_tranche(world)

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "tranche_disburse", crash)
    with pytest.raises(RuntimeError):
        login(world.bob).post(reverse("officer-disburse", args=[tranche.pk]), {
            "amount": "", "evidence": "", "file": png("act.png"), "description": "Pipe"})
    assert not m.Evidence.objects.exists()
    evidence_folder = settings.MEDIA_ROOT / "evidence"
    assert not evidence_folder.exists() or not any(evidence_folder.rglob("*.png"))


def test_evidence_to_choose_is_named_by_its_description_and_uploader(login, world):
    """Two acts of works of the same kind must not both read "Disbursement evidence (7)"."""
    tranche = _funded_tranche(world)
    project = tranche.commitment.project
    for description, quantity in (("Act of works no. 1", "400 m of trench"),
                                  ("Act of works no. 2", "")):
        services.evidence_add(project=project, actor=world.alice, kind="disbursement",
                              file=png("act.png"), description=description, quantity=quantity)
    html = login(world.bob).get(reverse("officer-disburse", args=[tranche.pk])).content.decode()
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert f"Disbursement evidence · Act of works no. 1 · 400 m of trench · alice, {today}" \
        in html
    assert f"Disbursement evidence · Act of works no. 2 · alice, {today}" in html


def test_disbursement_needs_evidence(login, world):
    tranche = _funded_tranche(world)
    response = login(world.bob).post(reverse("officer-disburse", args=[tranche.pk]),
                                     {"amount": "", "evidence": ""})
    assert response.status_code == 400
    assert "Choose evidence already uploaded or upload a new file." in response.content.decode()


def test_another_officer_cannot_open_the_disbursement(login, world):
    tranche = _funded_tranche(world)
    assert login(world.dave).get(reverse("officer-disburse", args=[tranche.pk])) \
        .status_code == 404


def test_overdue_tranches_of_his_district(login, world, django_assert_max_num_queries):
    tranche = _funded_tranche(world)
    mine = world.approved(title="Navbahor lights")
    theirs = world.approved(title="Guliston lights", mahalla=world.mahalla_b)
    past = timezone.localdate() - datetime.timedelta(days=3)
    m.Tranche.objects.filter(commitment__project__in=[tranche.commitment.project, mine, theirs],
                             number=1).update(due_on=past)
    officer = login(world.bob)
    with django_assert_max_num_queries(8):
        html = officer.get(reverse("officer-overdue")).content.decode()
    assert "Navbahor lights" in html and "Guliston lights" not in html
    assert html.count(reverse("officer-disburse", args=[tranche.pk])) == 1
