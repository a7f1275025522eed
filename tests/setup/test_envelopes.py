"""Funders and envelopes: every increase and cut a recorded adjustment with its reason and
author; never below what is reserved, even when two cuts race."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import Conflict, InvalidInput

from ..concurrency import race


def test_an_increase_and_a_cut_are_recorded_with_reason_and_author(world, regions, login):
    client = login(regions.tash)
    url = reverse("setup-envelope", args=[world.envelope_a.pk])
    answer = client.post(url, {"direction": "increase", "amount": "25000000",
                               "reason": "Supplementary budget, March"})
    assert answer.status_code == 302
    answer = client.post(url, {"direction": "cut", "amount": "5000000",
                               "reason": "Sequestration order 12"})
    assert answer.status_code == 302
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.amount == Decimal("120000000.00")
    history = list(world.envelope_a.adjustments.order_by("id").values_list(
        "change", "amount_before", "amount_after", "reason", "created_by"))
    assert history == [
        (Decimal("25000000.00"), Decimal("100000000.00"), Decimal("125000000.00"),
         "Supplementary budget, March", regions.tash.pk),
        (Decimal("-5000000.00"), Decimal("125000000.00"), Decimal("120000000.00"),
         "Sequestration order 12", regions.tash.pk)]
    page = client.get(url).content.decode()
    assert "Sequestration order 12" in page


def test_a_cut_below_what_is_reserved_is_refused_with_a_clear_error(world, login):
    world.approved()  # reserves 20,000,000 of envelope A
    answer = login(world.admin).post(reverse("setup-envelope", args=[world.envelope_a.pk]), {
        "direction": "cut", "amount": "90000000", "reason": "Cut"})
    assert answer.status_code == 409
    errors = answer.context["form"].errors["amount"]
    assert "cannot be cut below what is already reserved" in errors[0]
    assert "80" in errors[0]  # the largest cut possible
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.amount == Decimal("100000000.00")
    assert not world.envelope_a.adjustments.exists()
    assert answer.context["form"]["reason"].value() == "Cut"  # what was typed is kept


@pytest.mark.parametrize("_case, data, field", [
    ("no reason", {"direction": "cut", "amount": "1000", "reason": ""}, "reason"),
    ("no amount", {"direction": "increase", "amount": "", "reason": "x"}, "amount"),
    ("zero", {"direction": "increase", "amount": "0", "reason": "x"}, "amount"),
    ("letters", {"direction": "increase", "amount": "ten", "reason": "x"}, "amount"),
    ("too many decimals", {"direction": "increase", "amount": "1.001", "reason": "x"}, "amount"),
    ("no direction", {"amount": "1000", "reason": "x"}, "direction"),
])
def test_bad_adjustments_are_field_errors(world, login, _case, data, field):
    answer = login(world.admin).post(reverse("setup-envelope", args=[world.envelope_a.pk]), data)
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert not m.EnvelopeAdjustment.objects.filter(envelope=world.envelope_a).exists()


@pytest.mark.django_db(transaction=True)
def test_two_cuts_at_once_never_go_below_the_reservations(world):
    # given an envelope of 100,000,000 with 20,000,000 reserved
    world.approved()
    # when two administrators each cut 50,000,000 at the same moment (each alone would fit)
    results = race([lambda: services.envelope_adjust(
        actor=world.admin, envelope=world.envelope_a, change=Decimal("-50000000"),
        reason="Cut") for _ in range(2)])
    # then one cut goes through and the other is refused, naming the reservations
    assert sum(isinstance(r, m.EnvelopeAdjustment) for r in results) == 1, results
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].code == "below_reserved"
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.amount == Decimal("50000000.00")
    assert world.envelope_a.reserved == Decimal("20000000.00")
    assert world.envelope_a.adjustments.count() == 1
    assert ledger.verify() == []


@pytest.mark.django_db(transaction=True)
def test_a_cut_racing_an_approval_never_leaves_the_reservation_above_the_envelope(world):
    project = world.submitted()
    services.project_review_start(project=project, actor=world.bob)
    results = race([
        lambda: services.project_approve(project=project, actor=world.bob, reason="ok"),
        lambda: services.envelope_adjust(actor=world.admin, envelope=world.envelope_a,
                                         change=Decimal("-90000000"), reason="Cut")])
    world.envelope_a.refresh_from_db()
    assert world.envelope_a.reserved <= world.envelope_a.amount
    assert sum(not isinstance(r, Exception) for r in results) >= 1, results
    assert ledger.verify() == []


def test_adjustments_are_append_only(world):
    adjustment = services.envelope_adjust(actor=world.admin, envelope=world.envelope_a,
                                          change=Decimal("1000"), reason="More")
    with pytest.raises(Exception), transaction.atomic():
        m.EnvelopeAdjustment.objects.filter(pk=adjustment.pk).update(reason="changed")
    with pytest.raises(Exception), transaction.atomic():
        m.EnvelopeAdjustment.objects.filter(pk=adjustment.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        m.EnvelopeAdjustment.objects.create(envelope=world.envelope_a, change=1,
                                            amount_before=1, amount_after=5, reserved=0,
                                            reason="does not add up")


def test_opening_an_envelope_records_its_first_adjustment(world, regions, login):
    funder = m.Funder.objects.create(name="Navbahor mahalla committee", kind="mahalla",
                                     mahalla=world.mahalla_a)
    scheme = m.Scheme.objects.create(code="uz-3x1", name="3x1", country=world.country,
                                     currency="UZS", fiscal_year=2027)
    for position, role in enumerate(("association", "mahalla", "district")):
        m.SchemeParty.objects.create(scheme=scheme, role=role, weight=1, position=position)
    answer = login(regions.tash).post(reverse("setup-envelope-new", args=[funder.pk]), {
        "scheme": scheme.pk, "amount": "300000000", "reason": "Mahalla budget 2027"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    envelope = m.BudgetEnvelope.objects.get(funder=funder, scheme=scheme)
    assert envelope.amount == Decimal("300000000")
    assert envelope.adjustments.get().created_by == regions.tash
    # a second envelope for the same funder and scheme is not offered, and refused
    with pytest.raises(Conflict):
        services.envelope_open(actor=regions.tash, funder=funder, scheme=scheme,
                               amount=Decimal(1), reason="again")


def test_an_envelope_for_a_party_the_scheme_lacks_is_refused(world, regions):
    from matching.errors import NotAllowed

    with pytest.raises(NotAllowed, match="has no"):
        services.envelope_open(actor=world.admin, funder=regions.national, scheme=world.scheme,
                               amount=Decimal(1), reason="x")


def test_a_regional_administrator_adds_funders_of_his_region_only(world, regions, login):
    client = login(regions.tash)
    district = m.District.objects.create(region=world.region, name="Angren")
    answer = client.post(reverse("setup-funder-new"), {
        "kind": "district", "name": "Angren hokimiyati", "district": district.pk})
    assert answer.status_code == 302
    assert m.Funder.objects.get(district=district).name == "Angren hokimiyati"
    # another region's district is not a choice; a sponsor is not his to add
    for data in ({"kind": "district", "name": "x", "district": regions.margilon.pk},
                 {"kind": "sponsor", "name": "Sponsor LLC"}):
        assert client.post(reverse("setup-funder-new"), data).status_code == 400
    assert not m.Funder.objects.filter(name__in=["x", "Sponsor LLC"]).exists()
    # a district has one funder
    answer = client.post(reverse("setup-funder-new"), {
        "kind": "district", "name": "Again", "district": district.pk})
    assert answer.status_code == 409
    with pytest.raises(InvalidInput):
        services.funder_save(actor=regions.tash, name="", kind="district", place=district)


def test_a_programme_administrator_adds_a_sponsor(world, regions, login):
    answer = login(regions.programme).post(reverse("setup-funder-new"), {
        "kind": "sponsor", "name": "Ipak Yo'li Bank"})
    assert answer.status_code == 302
    assert m.Funder.objects.get(name="Ipak Yo'li Bank").kind == "sponsor"
