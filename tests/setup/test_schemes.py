"""The scheme editor: every rule on a page, each save a new immutable version in one
transaction, the preview of an example project, the copy to the next year; and the Django
admin can no longer change rules behind versioning."""

from decimal import Decimal

import pytest
from django.urls import reverse

from matching import models as m
from matching import services
from matching.services.schemes import rules_dict, scheme_rules


def editor_data(scheme=None, parties=None, **fields):
    """The editor's POST: a 1x1 by default (association 1, district 1)."""
    parties = parties if parties is not None else [
        {"role": "association", "weight": "1"}, {"role": "district", "weight": "1"}]
    data = {"name": "1x1 Tashkent 2027", "fiscal_year": "2027", "max_project_cost": "",
            "max_public_share": "", "win_cooldown_seasons": "", "second_officer_threshold": "",
            "is_active": "on", "parties-TOTAL_FORMS": str(len(parties)),
            "parties-INITIAL_FORMS": "0", "parties-MIN_NUM_FORMS": "0",
            "parties-MAX_NUM_FORMS": "1000", "example-cost": "100000000",
            "example-received": "30000000", "example-category": "school"}
    if scheme is None:
        data.update(code="uz-1x1-2027", country="")
    else:  # the scheme's own values, unless the test changes them
        data.update(based_on=str(scheme.versions.order_by("-number").first().number),
                    name=scheme.name, fiscal_year=str(scheme.fiscal_year),
                    max_project_cost=str(scheme.max_project_cost or ""))
    for i, party in enumerate(parties):
        for key, value in party.items():
            data[f"parties-{i}-{key}"] = value
    data.update(fields)
    return data


def test_the_editor_creates_a_scheme_with_every_rule_and_publishes_version_1(world, login):
    client = login(world.admin)
    data = editor_data(
        parties=[{"role": "association", "weight": "1"},
                 {"role": "district", "weight": "2", "cap": "30000000", "w_school": "3"},
                 {"role": "region", "weight": "1"}],
        country=str(world.country.pk), max_project_cost="900000000", max_public_share="70",
        eligible_categories=["school", "road"], win_cooldown_seasons="2",
        block_with_overdue_project="on", second_officer_threshold="250000000")
    answer = client.post(reverse("setup-scheme-new"), data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    scheme = m.Scheme.objects.get(code="uz-1x1-2027")
    version = scheme.versions.get()
    assert version.number == 1 and version.created_by == world.admin
    assert version.rules == {
        "currency": "UZS", "max_project_cost": "900000000.00", "max_public_share": "0.7",
        "eligible_categories": ["road", "school"], "second_officer_threshold": "250000000.00",
        "win_cooldown_seasons": 2, "block_with_overdue_project": True,
        "parties": [{"role": "association", "weight": "1"},
                    {"role": "district", "weight": "2", "cap": "30000000.00",
                     "category_weights": {"school": "3"}},
                    {"role": "region", "weight": "1"}]}
    assert version.rules == scheme_rules(scheme)
    assert scheme.second_officer_threshold == Decimal("250000000")


def test_an_edit_publishes_a_new_version_and_never_changes_an_existing_match(world, login):
    # given a project approved (and matched) under version 1
    project = world.approved()
    world.receipt(project, "10000000.00")
    commitment = m.Commitment.objects.get(project=project, role="district")
    before = (commitment.target, commitment.matched, commitment.scheme_version_id)
    # when the administrator doubles the district's weight
    answer = login(world.admin).post(reverse("setup-scheme-edit", args=[world.scheme.pk]),
                                     editor_data(world.scheme, parties=[
                                         {"role": "association", "weight": "1"},
                                         {"role": "district", "weight": "2"}]))
    assert answer.status_code == 302
    # then version 2 holds the new rules, and the approved project keeps version 1's match
    assert list(world.scheme.versions.values_list("number", flat=True)) == [2, 1]
    assert world.scheme.versions.get(number=2).rules["parties"][1]["weight"] == "2"
    commitment.refresh_from_db()
    project.refresh_from_db()
    assert (commitment.target, commitment.matched, commitment.scheme_version_id) == before
    assert project.scheme_version.number == 1
    world.receipt(project, "1000000.00")  # more money later is matched under version 1 too
    commitment.refresh_from_db()
    assert commitment.scheme_version.number == 1


def test_saving_unchanged_rules_publishes_nothing(world, login):
    answer = login(world.admin).post(reverse("setup-scheme-edit", args=[world.scheme.pk]),
                                     editor_data(world.scheme))
    assert answer.status_code == 302
    assert world.scheme.versions.count() == 1


def test_an_edit_based_on_an_old_version_is_refused_and_changes_nothing(world, login):
    data = editor_data(world.scheme, parties=[{"role": "association", "weight": "1"},
                                              {"role": "district", "weight": "3"}])
    services.scheme_save(actor=world.admin, scheme=world.scheme,
                         fields={"max_project_cost": Decimal("800000000")},
                         parties=[{"role": "association", "weight": Decimal(1)},
                                  {"role": "district", "weight": Decimal(1)}])
    answer = login(world.admin).post(reverse("setup-scheme-edit", args=[world.scheme.pk]), data)
    assert answer.status_code == 409
    assert "was published while you edited" in answer.content.decode()
    assert world.scheme.versions.count() == 2
    assert world.scheme.parties.get(role="district").weight == 1


@pytest.mark.parametrize("_case, parties, fields, field", [
    ("weight not a number", [{"role": "association", "weight": "abc"},
                             {"role": "district", "weight": "1"}], {}, "parties-0-weight"),
    ("no association", [{"role": "district", "weight": "1"}], {}, "parties"),
    ("a party twice", [{"role": "association", "weight": "1"}, {"role": "district", "weight": "1"},
                       {"role": "district", "weight": "2"}], {}, "parties"),
    ("sponsor unnamed", [{"role": "association", "weight": "1"},
                         {"role": "sponsor", "weight": "1"}], {}, "parties-1-sponsor"),
    ("weight without party", [{"role": "association", "weight": "1"},
                              {"role": "", "weight": "1"}], {}, "parties-1-role"),
    ("share over 100", None, {"max_public_share": "120"}, "max_public_share"),
    ("negative threshold", None, {"second_officer_threshold": "-5"}, "second_officer_threshold"),
    ("fiscal year", None, {"fiscal_year": "20x7"}, "fiscal_year"),
])
def test_bad_rules_are_field_errors_and_nothing_is_written(world, login, _case, parties,
                                                           fields, field):
    before = (world.scheme.versions.count(), list(world.scheme.parties.values_list(
        "role", "weight", "cap")), m.SchemeCategoryWeight.objects.count())
    answer = login(world.admin).post(reverse("setup-scheme-edit", args=[world.scheme.pk]),
                                     editor_data(world.scheme, parties=parties, **fields))
    assert answer.status_code == 400
    editor = answer.context["editor"]
    if field == "parties":
        assert editor.parties.non_form_errors()
    elif field.startswith("parties-"):
        _, index, name = field.split("-")
        assert editor.parties.forms[int(index)].errors[name]
    else:
        assert editor.form.errors[field]
    assert 'name="parties-0-role"' in answer.content.decode()  # the form is shown again
    assert before == (world.scheme.versions.count(), list(world.scheme.parties.values_list(
        "role", "weight", "cap")), m.SchemeCategoryWeight.objects.count())


def test_a_new_scheme_code_must_be_unique(world, login):
    answer = login(world.admin).post(reverse("setup-scheme-new"), editor_data(
        code=world.scheme.code, country=str(world.country.pk)))
    assert answer.status_code == 400
    assert "Another scheme has this code." in answer.content.decode()
    assert m.Scheme.objects.count() == 1


def test_weights_of_ten_are_written_without_an_exponent(world):
    # str(Decimal("10").normalize()) is "1E+1", which the rules reader refuses
    data = rules_dict(currency="UZS", parties=[
        {"role": "association", "weight": Decimal("10.0000")},
        {"role": "district", "weight": Decimal("100")}], max_public_share=Decimal("0.5000"))
    assert [p["weight"] for p in data["parties"]] == ["10", "100"]
    scheme, version = services.scheme_save(actor=world.admin, scheme=world.scheme, fields={},
                                           parties=[{"role": "association", "weight": Decimal(10)},
                                                    {"role": "district", "weight": Decimal(20)}])
    assert version.rules["parties"][1]["weight"] == "20"


def test_the_preview_shows_the_example_match_as_the_rules_change(world, login):
    client = login(world.admin)
    url = reverse("setup-scheme-preview", args=[world.scheme.pk])
    # 3x1 with a capped district: a cost of 100,000,000 splits 25,000,000 each
    answer = client.post(url, editor_data(world.scheme, parties=[
        {"role": "association", "weight": "1"}, {"role": "mahalla", "weight": "1"},
        {"role": "district", "weight": "1", "cap": "20000000"}, {"role": "region", "weight": "1"}],
        **{"example-received": "25000000"}), HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    rows = {r["role"]: r for r in answer.context["preview"]["rows"]}
    assert rows["district"]["target"] == Decimal("20000000.00")
    assert rows["district"]["bound_by"] == "cap"
    assert rows["region"]["match"] == Decimal("25000000.00")
    assert answer.context["preview"]["result"].gap == Decimal("5000000.00")
    assert "<html" not in answer.content.decode()  # the fragment alone
    # a preview never saves anything
    assert world.scheme.versions.count() == 1 and world.scheme.parties.count() == 2
    # incomplete rules: the preview says so instead of computing
    answer = client.post(url, editor_data(world.scheme, parties=[
        {"role": "district", "weight": "1"}]))
    assert answer.context["preview"] == {"pending": True}


def test_the_editor_page_shows_the_current_rules_and_their_preview(world, login):
    answer = login(world.admin).get(reverse("setup-scheme-edit", args=[world.scheme.pk]))
    assert answer.status_code == 200
    page = answer.content.decode()
    assert 'hx-post="/setup/schemes/%d/preview/"' % world.scheme.pk in page
    assert answer.context["preview"]["rows"][1]["target"] == Decimal("50000000.00")
    assert "<script>" not in page.replace('<script src=', '')  # no inline script


def test_a_scheme_is_copied_to_the_next_fiscal_year(world, login):
    year = world.scheme.fiscal_year
    answer = login(world.admin).post(reverse("setup-scheme-copy", args=[world.scheme.pk]), {
        "code": "uz-1x1-next", "name": "1x1 Tashkent", "fiscal_year": str(year + 1),
        "copy_envelopes": "on"})
    assert answer.status_code == 302
    copy = m.Scheme.objects.get(code="uz-1x1-next")
    assert copy.fiscal_year == year + 1
    assert copy.versions.get().rules == world.scheme.versions.get().rules
    assert sorted(copy.envelopes.values_list("funder_id", "amount")) == sorted(
        world.scheme.envelopes.values_list("funder_id", "amount"))
    adjustment = m.EnvelopeAdjustment.objects.filter(envelope__scheme=copy).first()
    assert adjustment.created_by == world.admin and world.scheme.code in adjustment.reason
    assert all(e.reserved == 0 for e in copy.envelopes.all())


def test_the_copy_form_refuses_a_taken_code(world, login):
    answer = login(world.admin).post(reverse("setup-scheme-copy", args=[world.scheme.pk]), {
        "code": world.scheme.code, "name": "x", "fiscal_year": "2030"})
    assert answer.status_code == 400
    assert m.Scheme.objects.count() == 1


def test_the_fiscal_year_of_a_scheme_with_projects_cannot_change(world, login):
    world.project()
    answer = login(world.admin).post(reverse("setup-scheme-edit", args=[world.scheme.pk]),
                                     editor_data(world.scheme, fiscal_year="2031"))
    assert answer.status_code == 409
    world.scheme.refresh_from_db()
    assert world.scheme.fiscal_year != 2031


def test_a_regional_administrator_reads_schemes_but_may_not_change_them(world, regions, login):
    client = login(regions.tash)
    assert client.get(reverse("setup-scheme", args=[world.scheme.pk])).status_code == 200
    assert client.get(reverse("setup-scheme-edit", args=[world.scheme.pk])).status_code == 403
    assert client.post(reverse("setup-scheme-edit", args=[world.scheme.pk]),
                       editor_data(world.scheme)).status_code == 403
    # another country's scheme does not exist for him
    assert client.get(reverse("setup-scheme", args=[regions.tj_scheme.pk])).status_code == 404
    assert world.scheme.versions.count() == 1
    with pytest.raises(services.schemes.Forbidden):
        services.scheme_save(actor=regions.tash, scheme=world.scheme, fields={},
                             parties=[{"role": "association", "weight": Decimal(1)}])


# --- the Django admin can no longer change rules behind versioning ---------------------------

def test_category_weights_cannot_be_edited_on_the_admin_scheme_party_page(world, login):
    """The bug of issue 16: weights edited here were saved without a new version, so the
    rules in the database and the published rules parted ways."""
    party = world.scheme.parties.get(role="district")
    client = login(world.admin)
    url = reverse("admin:matching_schemeparty_change", args=[party.pk])
    answer = client.post(url, {
        "scheme": world.scheme.pk, "role": "district", "position": "1", "weight": "1",
        "category_weights-TOTAL_FORMS": "1", "category_weights-INITIAL_FORMS": "0",
        "category_weights-MIN_NUM_FORMS": "0", "category_weights-MAX_NUM_FORMS": "1000",
        "category_weights-0-category": "school", "category_weights-0-weight": "5",
        "category_weights-0-party": party.pk})
    assert answer.status_code == 403
    assert not m.SchemeCategoryWeight.objects.exists()
    assert world.scheme.versions.count() == 1
    assert scheme_rules(world.scheme) == world.scheme.versions.get().rules
    assert client.get(url).status_code == 200  # read, never written


@pytest.mark.parametrize("name", ["scheme", "schemeparty", "budgetenvelope", "funder",
                                  "migrantassociation", "district"])
def test_setup_records_are_read_only_in_the_admin(world, login, name):
    client = login(world.admin)
    assert client.get(reverse(f"admin:matching_{name}_add")).status_code == 403
    obj = {"scheme": world.scheme, "schemeparty": world.scheme.parties.first(),
           "budgetenvelope": world.envelope_a, "funder": world.envelope_a.funder,
           "migrantassociation": world.association, "district": world.district_a}[name]
    answer = client.post(reverse(f"admin:matching_{name}_change", args=[obj.pk]), {"name": "x"})
    assert answer.status_code == 403
