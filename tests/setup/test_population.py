"""Populations: entered on a page with their year and source (audited); where one is
missing, per-head figures say so instead of dividing by a guess. Names in the reader's
language."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from matching import models as m
from matching.places import local_name, name_expr
from matching.reports.common import Filters
from matching.reports.regional import regional_report


def test_an_administrator_enters_a_population_with_its_year_and_source(world, regions, login):
    answer = login(regions.tash).post(
        reverse("setup-population", args=["district", world.district_a.pk]),
        {"population": "118000", "population_year": "2025",
         "population_source": "Statistics agency, 1 January 2025"})
    assert answer.status_code == 302
    world.district_a.refresh_from_db()
    assert (world.district_a.population, world.district_a.population_year,
            world.district_a.population_source) == (118000, 2025,
                                                    "Statistics agency, 1 January 2025")
    event = (apps.get_model("matching", "DistrictAudit").objects
             .filter(pgh_obj=world.district_a).order_by("-pgh_id").first())
    assert event.pgh_context.metadata["user"] == regions.tash.pk
    assert event.pgh_context.metadata["service"] == "place_population_set"


@pytest.mark.parametrize("_case, data, field", [
    ("no year", {"population": "1000", "population_year": "", "population_source": "x"},
     "population_year"),
    ("no source", {"population": "1000", "population_year": "2025", "population_source": ""},
     "population_source"),
    ("future year", {"population": "1000", "population_year": "2099",
                     "population_source": "x"}, "population_year"),
    ("zero people", {"population": "0", "population_year": "2025", "population_source": "x"},
     "population"),
    ("not a number", {"population": "many", "population_year": "2025",
                      "population_source": "x"}, "population"),
])
def test_a_population_without_year_or_source_is_refused(world, login, _case, data, field):
    before = m.District.objects.values_list("population", "population_year").get(
        pk=world.district_a.pk)
    answer = login(world.admin).post(
        reverse("setup-population", args=["district", world.district_a.pk]), data)
    assert answer.status_code == 400
    assert answer.context["form"].errors[field]
    assert m.District.objects.values_list("population", "population_year").get(
        pk=world.district_a.pk) == before


def test_a_population_can_be_cleared_when_it_was_wrong(world, login):
    answer = login(world.admin).post(
        reverse("setup-population", args=["mahalla", world.mahalla_a.pk]),
        {"population": "", "population_year": "", "population_source": ""})
    assert answer.status_code == 302
    world.mahalla_a.refresh_from_db()
    assert (world.mahalla_a.population, world.mahalla_a.population_year) == (None, None)


def test_another_regions_place_is_not_found(world, regions, login):
    client = login(regions.fer)
    for kind, place in (("district", world.district_a), ("mahalla", world.mahalla_a),
                        ("region", world.region)):
        url = reverse("setup-population", args=[kind, place.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"population": "5", "population_year": "2025",
                                 "population_source": "x"}).status_code == 404
    world.district_a.refresh_from_db()
    assert world.district_a.population == 100_000
    assert client.get(reverse("setup-population", args=["country", 1])).status_code == 404


def test_per_head_figures_say_no_population_instead_of_dividing_by_a_guess(world, client):
    # given money matched in both districts, and district B's population not known
    world.approved()
    world.receipt(world.approved(mahalla=world.mahalla_b, title="B"), "10000000.00")
    m.District.objects.filter(pk=world.district_b.pk).update(population=None)
    report = regional_report(Filters(region=world.region.pk))
    rows = {r["name"]: r for r in report.tables[0].rows}
    assert rows["Bekobod"]["matched_per_capita"] is None
    assert rows["Bekobod"]["population_share"] is None
    assert rows["Chirchiq"]["population_share"] == Decimal("1.0000")  # only known people count
    assert report.extra["districts_without_population"] == 1
    # the page says it in words; files leave the cell empty
    page = client.get(reverse("reports:region", args=[world.region.pk])).content.decode()
    assert "no population" in page and "not known" in page
    csv = client.get(reverse("reports:download", args=["regional", "csv"]),
                     {"region": world.region.pk}).content.decode("utf-8-sig")
    bekobod = next(line for line in csv.splitlines() if "Bekobod" in line)
    assert ",," in bekobod


def test_the_public_regional_summary_gives_no_population_as_null(world, client):
    m.Region.objects.filter(pk=world.region.pk).update(population=None)
    answer = client.get("/api/v1/reports/regional/")
    assert answer.status_code == 200, answer.content
    assert answer.json()[0]["population"] is None


def test_places_are_named_in_the_readers_language(db):
    country = m.Country.objects.create(code="KG", name="Kyrgyzstan", currency="KGS",
                                       timezone="Asia/Bishkek")
    region = m.Region.objects.create(country=country, name="Issyk-Kul", name_en="Issyk-Kul",
                                     name_ru="Иссык-Кульская область", name_ky="Ысык-Көл")
    assert local_name(region, "ky") == "Ысык-Көл"
    assert local_name(region, "ru") == "Иссык-Кульская область"
    assert local_name(region, "tg") == "Иссык-Кульская область"  # Cyrillic, no Tajik name
    assert local_name(region, "uz") == "Issyk-Kul"  # Latin, no Uzbek name
    with translation.override("ky"):
        assert m.Region.objects.values_list(name_expr(), flat=True).get() == "Ысык-Көл"
    region.name_ky = ""
    region.save()
    with translation.override("ky"):
        assert m.Region.objects.values_list(name_expr(), flat=True).get() == (
            "Иссык-Кульская область")


def test_pages_show_place_names_in_the_readers_language(world, login):
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(name_ru="Навбахор")
    world.project()
    page = login(world.alice, language="ru").get(reverse("clerk-dashboard")).content.decode()
    assert "Навбахор" in page
    page = login(world.alice, language="en").get(reverse("clerk-dashboard")).content.decode()
    assert "Navbahor" in page and "Навбахор" not in page
