"""The clerk's pages: her dashboard, forms that keep what was typed, and scope."""

from decimal import Decimal

import pytest
from django.urls import reverse

from matching import models as m

from .conftest import pdf, png


def test_clerk_pages_need_a_login(client, world):
    response = client.get(reverse("clerk-dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_officer_may_not_open_the_clerk_area(login, world):
    assert login(world.bob).get(reverse("clerk-dashboard")).status_code == 403


def test_dashboard_shows_her_mahallas_only(login, world, django_assert_max_num_queries):
    mine = world.approved(title="Navbahor school roof")
    world.receipt(mine, "8000000.00")
    world.project(title="Guliston road", mahalla=world.mahalla_b)
    for n in range(5):
        world.project(title=f"Pipe {n}")
    clerk = login(world.alice)
    with django_assert_max_num_queries(12):
        response = clerk.get(reverse("clerk-dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Navbahor school roof" in html and "Pipe 4" in html
    assert "Guliston road" not in html
    assert "8,000,000.00\xa0UZS" in html  # received, in English format, with its currency
    assert "Draft" in html and "Funding" in html


def _project_data(world, **overrides):
    data = {"title": "Drinking water for Navbahor", "mahalla": world.mahalla_a.pk,
            "association": world.association.pk, "scheme": world.scheme.pk,
            "category": "drinking_water", "cost": "40000000", "description": "Pipe, 1.2 km",
            "executor": "Suv Qurilish LLC", "executor_kind": "contractor", "deadline": ""}
    return {**data, **overrides}


def test_clerk_creates_a_draft_project(login, world):
    response = login(world.alice).post(reverse("clerk-project-new"), _project_data(world))
    project = m.Project.objects.get(title="Drinking water for Navbahor")
    assert response.status_code == 302
    assert response["Location"] == reverse("clerk-project", args=[project.pk])
    assert project.status == "draft" and project.cost == Decimal("40000000.00")
    assert project.created_by == world.alice


@pytest.mark.parametrize("field, value, message", [
    ("cost", "forty million", "Use digits only"),
    ("cost", "0", "Must be greater than zero."),
    ("title", "", "This field is required."),
    ("category", "casino", "Select a valid choice."),
], ids=["cost_not_a_number", "cost_zero", "title_missing", "unknown_category"])
def test_bad_project_input_keeps_what_was_typed(login, world, field, value, message):
    data = _project_data(world, **{field: value})
    response = login(world.alice).post(reverse("clerk-project-new"), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "Pipe, 1.2 km" in html and "Suv Qurilish LLC" in html
    assert not m.Project.objects.exists()


def test_clerk_cannot_create_a_project_in_another_mahalla(login, world):
    response = login(world.alice).post(reverse("clerk-project-new"),
                                       _project_data(world, mahalla=world.mahalla_b.pk))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not m.Project.objects.exists()


def test_service_refusal_lands_on_its_field(login, world):
    world.scheme.max_project_cost = None
    world.scheme.save()
    response = login(world.alice).post(reverse("clerk-project-new"),
                                       _project_data(world, cost="12,345.678"))
    assert response.status_code == 400
    assert "Too many decimal places for the currency." in response.content.decode()
    assert not m.Project.objects.exists()


@pytest.mark.parametrize("name", ["clerk-project", "clerk-pledge-new", "clerk-receipt-new",
                                  "clerk-evidence-new", "clerk-rate"])
def test_another_clerks_project_is_not_found(login, world, name):
    project = world.project()
    assert login(world.charlie).get(reverse(name, args=[project.pk])).status_code == 404


def test_another_clerk_cannot_submit_it(login, world):
    project = world.project()
    response = login(world.charlie).post(reverse("clerk-project-submit", args=[project.pk]))
    project.refresh_from_db()
    assert response.status_code == 404 and project.status == "draft"


def test_clerk_submits_a_project(login, world):
    project = world.project()
    response = login(world.alice).post(reverse("clerk-project-submit", args=[project.pk]),
                                       follow=True)
    project.refresh_from_db()
    assert project.status == "submitted"
    assert "was submitted for review" in response.content.decode()


def test_ineligible_project_is_not_submitted_and_says_why(login, world):
    project = world.project()
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(member_count=3)
    response = login(world.alice).post(reverse("clerk-project-submit", args=[project.pk]),
                                       follow=True)
    project.refresh_from_db()
    assert project.status == "draft"
    assert "at least 10 are required" in response.content.decode()


def test_clerk_records_a_pledge(login, world):
    project = world.project()
    response = login(world.alice).post(reverse("clerk-pledge-new", args=[project.pk]), {
        "amount": "250000", "currency": "RUB", "expected_on": "2030-01-15"})
    pledge = m.Pledge.objects.get()
    assert response.status_code == 302
    assert (pledge.amount, pledge.currency, pledge.announced_by) == (
        Decimal("250000.00"), "RUB", world.alice)


def test_lapsed_association_pledge_is_refused_on_the_form(login, world):
    project = world.project()
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(member_count=3)
    response = login(world.alice).post(reverse("clerk-pledge-new", args=[project.pk]), {
        "amount": "250000", "currency": "RUB", "expected_on": "2030-01-15"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "at least 10 are required" in html and 'value="250000"' in html
    assert not m.Pledge.objects.exists()


def test_receipt_form_prefills_the_rate_of_the_day(login, world, rub_rate):
    project = world.project()
    m.Pledge.objects.create(project=project, association=world.association, amount=250000,
                            currency="RUB", expected_on=rub_rate.on, announced_by=world.alice)
    url = reverse("clerk-receipt-new", args=[project.pk])
    html = login(world.alice).get(url).content.decode()
    russian = login(world.alice, "ru").get(url).content.decode()
    assert 'name="rate" value="151.400000"' in html
    assert 'name="rate" value="151,400000"' in russian  # typed back as the locale writes it
    assert '<option value="RUB" selected>' in html


def test_rate_endpoint_answers_the_stored_rate_or_asks_for_one(login, world, rub_rate):
    project = world.project()
    clerk = login(world.alice)
    url = reverse("clerk-rate", args=[project.pk])
    found = clerk.get(url, {"currency": "RUB", "received_on": rub_rate.on.isoformat()})
    missing = clerk.get(url, {"currency": "KZT", "received_on": rub_rate.on.isoformat()})
    assert 'id="rate-field"' in found.content.decode() and "151.4" in found.content.decode()
    assert "No KZT rate is stored" in missing.content.decode()


def _receipt_data(rub_rate, **overrides):
    data = {"pledge": "", "received_on": rub_rate.on.isoformat(), "amount": "200000",
            "currency": "RUB", "rate": "151.40", "fee": "3000", "reference": "WU-2025-0001",
            "proof": pdf()}
    return {**data, **overrides}


def test_clerk_records_a_receipt_with_proof(login, world, rub_rate):
    project = world.approved()
    response = login(world.alice).post(reverse("clerk-receipt-new", args=[project.pk]),
                                       _receipt_data(rub_rate))
    receipt = m.Receipt.objects.get()
    project.refresh_from_db()
    assert response.status_code == 302
    assert receipt.converted == Decimal("30280000.00") and not receipt.rate_entered_by_hand
    assert receipt.proof.read().startswith(b"%PDF-")
    assert project.received == Decimal("30280000.00")
    assert project.matched == Decimal("20000000.00")


def test_duplicate_reference_is_refused_on_its_field_and_nothing_is_written(login, world,
                                                                            rub_rate):
    project = world.approved()
    clerk = login(world.alice)
    clerk.post(reverse("clerk-receipt-new", args=[project.pk]), _receipt_data(rub_rate))
    response = clerk.post(reverse("clerk-receipt-new", args=[project.pk]),
                          _receipt_data(rub_rate, amount="5000"))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Reference WU-2025-0001 is already recorded" in html
    assert 'value="WU-2025-0001"' in html and 'value="5000"' in html
    assert m.Receipt.objects.count() == 1
    assert m.LedgerEntry.objects.filter(kind="receipt").count() == 1


@pytest.mark.parametrize("overrides, field_message, status", [
    ({"proof": png("slip.pdf")}, "The file&#x27;s content does not match its type.", 400),
    ({"proof": ""}, "This field is required.", 400),
    ({"currency": "KZT", "rate": ""}, "No KZT rate is stored", 400),
    ({"received_on": "2999-01-01"}, "The date cannot be in the future.", 400),
    ({"received_on": "1900-01-01"}, "Give a date from", 400),
    ({"fee": "1000000"}, "The fee cannot be more than the amount sent.", 400),
    ({"reference": "WU\x0b2025"}, "Remove the control characters from this text.", 400),
], ids=["proof_not_a_pdf", "proof_missing", "no_rate_stored", "future_date", "date_1900",
        "fee_above_amount", "control_character"])
def test_bad_receipt_is_refused_and_nothing_is_written(login, world, rub_rate, overrides,
                                                       field_message, status):
    project = world.approved()
    response = login(world.alice).post(reverse("clerk-receipt-new", args=[project.pk]),
                                       _receipt_data(rub_rate, **overrides))
    assert response.status_code == status
    assert field_message in response.content.decode()
    assert not m.Receipt.objects.exists() and not m.LedgerEntry.objects.filter(
        kind="receipt").exists()


def test_clerk_uploads_evidence(login, world):
    project = world.approved()
    response = login(world.alice).post(reverse("clerk-evidence-new", args=[project.pk]), {
        "kind": "photo", "file": png(), "description": "Trench dug", "quantity": "300 m"})
    evidence = m.Evidence.objects.get()
    assert response.status_code == 302
    assert (evidence.kind, evidence.quantity, evidence.uploaded_by) == ("photo", "300 m",
                                                                        world.alice)


def test_evidence_of_the_wrong_type_is_refused(login, world):
    project = world.approved()
    response = login(world.alice).post(reverse("clerk-evidence-new", args=[project.pk]), {
        "kind": "photo", "file": png("works.exe"), "description": "Trench dug"})
    assert response.status_code == 400
    assert "Upload a PDF, JPEG, PNG or WebP file." in response.content.decode()
    assert 'value="Trench dug"' in response.content.decode()
    assert not m.Evidence.objects.exists()
