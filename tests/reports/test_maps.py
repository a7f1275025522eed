"""The maps of matched money per head: outlines from the repository's boundaries where a
place's official code finds one (Kyrgyzstan, Tajikistan through `wfp_code_by_overlap`), tiles
where none exists (Uzbekistan), colour classes instead of inline styles, a legend, the
licence's attribution, a table for screen readers, and no per-head figure without people."""

import re
from decimal import Decimal

import pytest

from matching import models as m
from matching import services
from matching.reports.maps import Place, choropleth

from .. import factories as f

D = Decimal


def _places(*rows):
    return [Place(name=name, code=code, matched=D(matched), population=people)
            for name, code, matched, people in rows]


def test_kyrgyz_districts_are_drawn_from_their_outlines_with_the_attribution():
    places = _places(("Kara-Suu", "KG06226000000", "3000000", 300_000),
                     ("Nookat", "KG06242000000", "0", 250_000),
                     ("Nowhere", "KG99999000000", "10", 10))
    found = choropleth(places, country="KG", level=2, currency="KGS", title="Osh", slug="t")
    svg = str(found.svg)
    assert found.drawn_as == "outlines" and svg.count("<path") == 2
    assert re.search(r'<path class="shape map-\d" d="M[\d.]+,[\d.]+ ', svg)
    assert "style=" not in svg and "<script" not in svg
    assert "CC BY 3.0 IGO" in found.attribution
    assert [p.name for p in found.missing] == ["Nowhere"]  # no outline: said, and in the table
    # per head: 10.00 and 0.00; nothing matched has its own class
    assert [p.per_head for p in places] == [D("10.00"), D("0.00"), D("1.00")]
    assert places[1].css == "map-0" and places[0].css != places[2].css


def test_tajik_districts_join_the_geoboundaries_outlines_by_overlap_code():
    places = _places(("Asht", "3505207", "500", 160_964), ("Isfara", "3505220", "0", 0))
    found = choropleth(places, country="TJ", level=2, currency="TJS", title="Sughd", slug="t")
    assert found.drawn_as == "outlines" and str(found.svg).count("<path") == 2
    assert "geoBoundaries" in found.attribution and "OpenStreetMap" in found.attribution
    # no population figure: no per-head amount, never a guess
    assert places[1].per_head is None and places[1].css == "map-none"
    assert any("no population figure" in item.label for item in found.legend)


def test_regions_of_a_country_with_outlines_show_the_others_in_grey():
    places = _places(("Osh", "KG-O", "100", 1000))
    found = choropleth(places, country="KG", level=1, currency="KGS", title="KG", slug="t")
    svg = str(found.svg)
    assert svg.count("map-outside") == 8 and svg.count("<title") == 2  # the map's and Osh's
    assert found.legend[-1].css == "map-outside"


def test_uzbekistan_is_a_tile_grid_in_its_geographic_arrangement():
    places = _places(("Toshkent viloyati", "UZ-TO", "100", 1000),
                     ("Qoraqalpogʻiston Respublikasi", "UZ-QR", "0", 1000))
    found = choropleth(places, country="UZ", level=1, currency="UZS", title="UZ", slug="t")
    svg = str(found.svg)
    assert found.drawn_as == "tiles" and found.attribution == ""
    assert '<rect class="shape map-5" x="472" y="0"' in svg  # column 4 of the first row
    assert '<rect class="shape map-0" x="0" y="0"' in svg  # Karakalpakstan, far west
    assert "Toshkent" in svg and "style=" not in svg


def test_places_without_a_code_are_tiles_in_alphabetical_order():
    places = _places(("Obod", None, "0", 100), ("Angren", None, "50", 100))
    found = choropleth(places, country="UZ", level=2, currency="UZS", title="A", slug="t")
    svg = str(found.svg)
    assert found.drawn_as == "tiles"
    assert '<tspan x="56" y="33">Angren' in svg and '<tspan x="174" y="33">Obod' in svg


def test_the_legend_names_each_class_by_its_range_in_the_currency():
    places = _places(*[(f"P{i}", None, str(i * 100), 100) for i in range(1, 11)])
    found = choropleth(places, country="UZ", level=2, currency="UZS", title="A", slug="t")
    labels = [item.label for item in found.legend]
    assert labels[0] == "nothing matched yet" and labels[-1].startswith("no population")
    assert labels[1] == "up to 2.00\xa0UZS per head"
    assert labels[5] == "8.00\xa0UZS to 10.00\xa0UZS per head"
    assert {p.css for p in places} == {f"map-{i}" for i in range(1, 6)}


@pytest.fixture
def kyrgyz(world):
    country = m.Country.objects.create(code="KG", name="Kyrgyzstan", currency="KGS",
                                       timezone="Asia/Bishkek")
    osh = f.RegionFactory(country=country, name="Osh", code="KG-O", population=0)
    kara_suu = f.DistrictFactory(region=osh, name="Kara-Suu", code="KG06226000000",
                                 population=300_000)
    nookat = f.DistrictFactory(region=osh, name="Nookat", code="KG06242000000", population=0)
    return osh, kara_suu, nookat


def test_the_region_page_draws_its_districts_with_a_legend_attribution_and_table(client,
                                                                                kyrgyz):
    osh, _kara_suu, _nookat = kyrgyz
    response = client.get(f"/reports/region/{osh.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    figure = body[body.index('<figure class="map">'):body.index("</figure>")]
    assert figure.count("<path") == 2 and "map-legend" in figure
    assert "Ministry of Emergency Situations of the Kyrgyz Republic" in figure
    assert '<div class="sr-only"><table>' in figure and "Kara-Suu" in figure
    assert "no population figure" in figure  # Nookat: no per-head figure
    assert "style=" not in body


def test_the_reports_index_draws_one_map_per_country(client, world, kyrgyz):
    world.region.code = "UZ-TO"
    world.region.save()
    project = world.approved()
    world.receipt(project, "10000000.00")
    body = client.get("/reports/").content.decode()
    assert body.count('<figure class="map">') == 2
    assert "Uzbekistan: matched money per head, by region" in body
    assert "Kyrgyzstan: matched money per head, by region" in body
    # Osh has no population of its own and a district without one: no per-head figure
    assert re.search(r"Osh</th>\s*<td>no population figure", body)


def test_a_region_without_a_figure_counts_its_districts_when_all_are_known(client, world):
    m.Region.objects.filter(pk=world.region.pk).update(population=0)
    world.district_a.population, world.district_b.population = 100_000, 300_000
    world.district_a.save()
    world.district_b.save()
    project = world.approved()
    world.receipt(project, "10000000.00")
    services.match_recompute(project=project, actor=world.admin)
    body = client.get("/reports/").content.decode()
    # 10,000,000 matched over 400,000 people
    assert re.search(r"Toshkent viloyati</th>\s*<td>25\.00\xa0UZS", body)
