"""manage.py load_geography: the real divisions, loaded twice and over existing data."""

import io

import pytest
from django.core.management import CommandError, call_command

from matching import models as m
from matching import services
from matching.errors import InvalidInput
from matching.services.geography import geography_load, one_script
from tests import factories as f

COUNTS = {"UZ": (14, 205), "TJ": (5, 58), "KG": (9, 53)}


def load(*args) -> str:
    out = io.StringIO()
    call_command("load_geography", *args, stdout=out)
    return out.getvalue()


def places():
    return (m.Region.objects.count(), m.District.objects.count(), m.Mahalla.objects.count())


def test_loads_every_country_with_codes_names_and_populations(db):
    output = load()
    for code, (regions, districts) in COUNTS.items():
        assert m.Region.objects.filter(country__code=code, code__isnull=False).count() == regions
        assert m.District.objects.filter(region__country__code=code,
                                         code__isnull=False).count() == districts
        assert f"{code} districts: {districts} in the data; {districts} added" in output
    tashkent = m.Region.objects.get(code="UZ-TO")
    assert (tashkent.name, tashkent.name_en, tashkent.name_ru, tashkent.name_uz_cyrl) == (
        "Toshkent viloyati", "Tashkent", "Ташкентская область", "Тошкент вилояти")
    assert m.Country.objects.get(code="TJ").currency == "TJS"
    # Kyrgyz raions have a 2021 population from a named source; Uzbek districts have none
    ak_suu = m.District.objects.get(code="KG02205000000")
    assert (ak_suu.population, ak_suu.population_year, ak_suu.name_ky) == (69400, 2021, "Ак-Суу")
    assert "Population_2021" in ak_suu.population_source
    assert m.District.objects.filter(region__country__code="UZ", population__isnull=False).count() == 0
    assert m.District.objects.get(code="3505220").population_year == 2020  # TJ, modelled
    assert m.District.objects.get(code="1727419").kind == m.PlaceKind.CITY


def test_loading_twice_duplicates_nothing_and_says_so(db):
    load()
    before = places()
    output = load()
    assert places() == before
    assert "UZ districts: 205 in the data; 0 added, 0 renamed, 0 updated, 205 unchanged" in output


def test_mixed_script_names_are_written_in_their_column_script():
    assert one_script("Чиpчик", cyrillic=True) == "Чирчик"  # a Latin p in the source
    assert one_script("Kenеgеs", cyrillic=False) == "Keneges"  # Cyrillic e in the source
    assert one_script("Toshkent", cyrillic=False) == "Toshkent"


def test_source_homoglyphs_are_fixed_on_load(db):
    load("--country", "UZ")
    assert m.District.objects.get(code="1727419").name_ru == "Чирчик"


def test_loading_over_existing_demo_data_adopts_places_and_keeps_what_projects_point_to(world):
    # given the old demo's places, entered by hand without codes, with projects in them
    world.district_a.name = "Chirchiq"
    world.district_a.save()
    urgut = f.DistrictFactory(region=world.region, name="Urgut")  # not a name in the data
    f.MahallaFactory(district=urgut, name="Qoratepa")
    project = world.project()
    # when the real divisions are loaded
    output = load("--country", "UZ")
    # then Toshkent viloyati and Chirchiq got their codes and kept their rows
    world.region.refresh_from_db()
    world.district_a.refresh_from_db()
    assert world.region.code == "UZ-TO"
    assert world.district_a.code == "1727419"
    assert m.Region.objects.filter(name="Toshkent viloyati").count() == 1
    assert m.District.objects.filter(name="Chirchiq").count() == 1
    assert "gave code 1727419 to Chirchiq" in output
    # Urgut is not in the data: left as it was, reported with its projects' count
    urgut.refresh_from_db()
    assert urgut.code is None and urgut.region_id == world.region.pk
    assert "left Urgut in Toshkent viloyati (no code)" in output
    project.refresh_from_db()
    assert project.mahalla.district_id == world.district_a.pk
    # and running it again changes nothing
    before = places()
    load("--country", "UZ")
    assert places() == before


def test_a_renamed_unit_is_renamed_and_reported(db):
    load("--country", "KG")
    m.District.objects.filter(code="KG02215000000").update(name="Old name")
    output = load("--country", "KG")
    assert m.District.objects.get(code="KG02215000000").name == "Issyk-Kul"
    assert "renamed KG02215000000: Old name -> Issyk-Kul" in output


def test_a_population_an_administrator_entered_is_kept(world):
    load("--country", "KG")
    raion = m.District.objects.get(code="KG02215000000")
    services.place_population_set(actor=world.admin, place=raion, population=74000, year=2024,
                                  source="National Statistical Committee, 1 January 2024")
    output = load("--country", "KG")
    raion.refresh_from_db()
    assert (raion.population, raion.population_year) == (74000, 2024)
    assert "kept the population an administrator entered for Issyk-Kul" in output


@pytest.mark.slow
def test_settlements_load_as_mahallas_once(db):
    load("--country", "UZ", "--settlements")
    settlements = m.Mahalla.objects.filter(code__isnull=False)
    assert settlements.count() == 2630
    # an urban-type settlement and a village assembly may share a name in one district
    jalabek = settlements.filter(district__code="1703202", name="Jalabek")
    assert sorted(jalabek.values_list("kind", flat=True)) == [
        m.PlaceKind.URBAN_SETTLEMENT, m.PlaceKind.VILLAGE_ASSEMBLY]
    before = places()
    output = load("--country", "UZ", "--settlements")
    assert places() == before
    assert "UZ settlements: 2630 in the data; 0 added" in output


def test_an_unknown_country_is_a_clear_error(db):
    with pytest.raises(CommandError):
        load("--country", "XX")
    with pytest.raises(InvalidInput, match="No geography data for XX"):
        geography_load(actor=None, countries=["XX"])
    assert places() == (0, 0, 0)

