"""Maps of matched money per head, drawn on the server as inline SVG.

Where the repository holds boundaries (matching/data/geo: Kyrgyzstan's regions and districts,
Tajikistan's regions and, through `wfp_code_by_overlap`, its districts), each place is its own
outline, joined on the place's official code; elsewhere (Uzbekistan, or places without a code)
each place is a tile of a grid (Uzbekistan's regions in their rough geographic arrangement,
anything else alphabetically). Colours are CSS classes (`map-0` … `map-5`, `map-none`): the
Content-Security-Policy allows no inline style. Every map comes with its legend, the
attribution its boundaries' licence asks for, and the same figures as a table for screen
readers.

A place without a population figure has no per-head figure: it is drawn apart ("no
population figure"), never divided by a guess.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import equity

GEO = Path(__file__).resolve().parent.parent / "data" / "geo"
WIDTH = 800.0
MAX_HEIGHT = 560.0
CLASSES = 5  # colour steps for places that got money; map-0 is "nothing yet"

KG_ATTRIBUTION = ("Kyrgyzstan administrative boundaries: Ministry of Emergency Situations of "
                  "the Kyrgyz Republic / OCHA, via the Humanitarian Data Exchange, CC BY 3.0 "
                  "IGO")
TJ_ATTRIBUTION = ("© OpenStreetMap contributors (ODbL 1.0); boundaries courtesy of "
                  "geoBoundaries.org (Runfola et al. 2020, PLoS ONE 15(4): e0231866)")


@dataclass(frozen=True)
class Boundaries:
    file: str
    key: str  # the feature property that holds the place's official code
    attribution: str
    url: str


# (country, level) → outlines; level 1: regions, level 2: districts
BOUNDARIES = {
    ("KG", 1): Boundaries("kg_adm1.geojson", "code", KG_ATTRIBUTION,
                          "https://data.humdata.org/dataset/cod-ab-kgz"),
    ("KG", 2): Boundaries("kg_adm2.geojson", "code", KG_ATTRIBUTION,
                          "https://data.humdata.org/dataset/cod-ab-kgz"),
    ("TJ", 1): Boundaries("tj_adm1.geojson", "code", TJ_ATTRIBUTION,
                          "https://www.geoboundaries.org/"),
    ("TJ", 2): Boundaries("tj_adm2_geoboundaries.geojson", "wfp_code_by_overlap",
                          TJ_ATTRIBUTION, "https://www.geoboundaries.org/"),
}

# Uzbekistan's regions as tiles (column, row), west to east, north to south
UZ_TILES = {
    "UZ-QR": (0, 0), "UZ-NW": (2, 0), "UZ-TO": (4, 0), "UZ-TK": (5, 0),
    "UZ-XO": (0, 1), "UZ-BU": (1, 1), "UZ-SA": (2, 1), "UZ-JI": (3, 1), "UZ-SI": (4, 1),
    "UZ-NG": (5, 1), "UZ-AN": (6, 1),
    "UZ-QA": (2, 2), "UZ-SU": (3, 2), "UZ-FA": (5, 2),
}
TILE_W, TILE_H, TILE_GAP = 112.0, 58.0, 6.0


@dataclass
class Place:
    name: str
    code: str | None
    matched: Decimal
    population: int
    url: str = ""
    per_head: Decimal | None = None
    css: str = "map-none"


@dataclass
class LegendItem:
    css: str
    label: str


@dataclass
class Map:
    title: str
    currency: str
    svg: SafeString
    places: list[Place]
    legend: list[LegendItem]
    drawn_as: str  # "outlines" or "tiles"
    attribution: str = ""
    attribution_url: str = ""
    missing: list[Place] = field(default_factory=list)  # places no outline was found for


@lru_cache(maxsize=8)
def _features(file: str, key: str) -> tuple[tuple[str, tuple], ...]:
    """(code, polygons) of every feature of a file: polygons as tuples of rings of (lon, lat)."""
    with open(GEO / file, encoding="utf-8") as handle:
        data = json.load(handle)
    found = []
    for feature in data["features"]:
        code = feature["properties"].get(key)
        geometry = feature["geometry"]
        polygons = ([geometry["coordinates"]] if geometry["type"] == "Polygon"
                    else geometry["coordinates"])
        found.append((code, tuple(tuple(tuple((x, y) for x, y in ring) for ring in polygon)
                                  for polygon in polygons)))
    return tuple(found)


def _classify(places: list[Place], currency: str) -> list[LegendItem]:
    """Per-head figures, colour classes by quantile of the places that got money, and the
    legend that names each class's range."""
    for place in places:
        place.per_head = equity.per_capita(place.matched, place.population)
    values = sorted(p.per_head for p in places if p.per_head)
    breaks = []
    if values:
        steps = min(CLASSES, len(set(values)))
        breaks = sorted({values[min(len(values) - 1, math.ceil(len(values) * (i + 1) / steps) - 1)]
                         for i in range(steps)})
    for place in places:
        if place.per_head is None:
            place.css = "map-none"
        elif place.per_head == 0:
            place.css = "map-0"
        else:
            index = next(i for i, top in enumerate(breaks) if place.per_head <= top)
            place.css = f"map-{index + 1 + (CLASSES - len(breaks))}"
    legend = [LegendItem("map-0", _("nothing matched yet"))]
    low = None
    for i, top in enumerate(breaks):
        css = f"map-{i + 1 + (CLASSES - len(breaks))}"
        text = (_("up to %(top)s per head") % {"top": _amount(top, currency)} if low is None
                else _("%(low)s to %(top)s per head") % {"low": _amount(low, currency),
                                                           "top": _amount(top, currency)})
        legend.append(LegendItem(css, text))
        low = top
    legend.append(LegendItem("map-none", _("no population figure: no per-head amount")))
    return legend


def _amount(value: Decimal, currency: str) -> str:
    from ..templatetags.hashar import money

    return money(value, currency)


def _place_title(place: Place, currency: str) -> str:
    if place.per_head is None:
        return _("%(name)s: no population figure") % {"name": place.name}
    return _("%(name)s: %(amount)s matched per head") % {
        "name": place.name, "amount": _amount(place.per_head, currency)}


def _outline_svg(places: list[Place], features, title_id: str, title: str,
                 currency: str, *, context: bool) -> tuple[str, list[Place]]:
    """Outlines of the places found in `features` (and, with `context`, every other feature
    of the file in grey); returns the SVG and the places without an outline."""
    by_code = {p.code: p for p in places if p.code}
    drawn = [(by_code.get(code), polygons) for code, polygons in features
             if code in by_code or context]
    points = [pt for _place, polygons in drawn for polygon in polygons for ring in polygon
              for pt in ring]
    min_x, max_x = min(p[0] for p in points), max(p[0] for p in points)
    min_y, max_y = min(p[1] for p in points), max(p[1] for p in points)
    # equirectangular, squeezed by the cosine of the middle latitude (Central Asia is far
    # enough north for plain lon/lat to look stretched)
    squeeze = math.cos(math.radians((min_y + max_y) / 2))
    span_x, span_y = max((max_x - min_x) * squeeze, 1e-6), max(max_y - min_y, 1e-6)
    scale = min(WIDTH / span_x, MAX_HEIGHT / span_y)
    width, height = span_x * scale, span_y * scale

    def path(polygons) -> str:
        parts = []
        for polygon in polygons:
            for ring in polygon:
                coords = " ".join(f"{(x - min_x) * squeeze * scale:.1f},"
                                  f"{(max_y - y) * scale:.1f}" for x, y in ring)
                parts.append(f"M{coords}Z")
        return "".join(parts)

    shapes = []
    for place, polygons in drawn:
        if place is None:
            shapes.append(f'<path class="shape map-outside" d="{path(polygons)}"/>')
        else:
            shapes.append(f'<path class="shape {place.css}" d="{path(polygons)}">'
                          f"<title>{escape(_place_title(place, currency))}</title></path>")
    found = {code for code, _polygons in features}
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
           f'role="img" aria-labelledby="{title_id}"><title id="{title_id}">'
           f'{escape(title)}</title>{"".join(shapes)}</svg>')
    return svg, [p for p in places if p.code not in found]


def _tile_label(name: str) -> list[str]:
    """A place's name on at most two short lines (a tile is small)."""
    words, lines = name.split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > 15 and lines[-1]:
            if len(lines) == 2:
                lines[-1] = lines[-1].rstrip() + "…"
                break
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    return [line[:16] for line in lines]


def _tiles_svg(places: list[Place], title_id: str, title: str, currency: str) -> str:
    layout = {}
    if places and all(p.code in UZ_TILES for p in places):
        layout = {id(p): UZ_TILES[p.code] for p in places}
    else:
        columns = max(1, min(6, math.ceil(math.sqrt(len(places) * 1.5))))
        layout = {id(p): (i % columns, i // columns)
                  for i, p in enumerate(sorted(places, key=lambda p: p.name))}
    cols = max((c for c, _r in layout.values()), default=0) + 1
    rows = max((r for _c, r in layout.values()), default=0) + 1
    width, height = cols * (TILE_W + TILE_GAP), rows * (TILE_H + TILE_GAP)
    tiles = []
    for place in places:
        col, row = layout[id(place)]
        x, y = col * (TILE_W + TILE_GAP), row * (TILE_H + TILE_GAP)
        dark = " on-dark" if place.css in ("map-4", "map-5") else ""
        lines = _tile_label(place.name)
        first = y + TILE_H / 2 - (len(lines) - 1) * 7 + 4
        text = "".join(f'<tspan x="{x + TILE_W / 2:.0f}" y="{first + 14 * i:.0f}">'
                       f"{escape(line)}</tspan>" for i, line in enumerate(lines))
        tiles.append(f'<g><rect class="shape {place.css}" x="{x:.0f}" y="{y:.0f}" '
                     f'width="{TILE_W:.0f}" height="{TILE_H:.0f}" rx="4">'
                     f"<title>{escape(_place_title(place, currency))}</title></rect>"
                     f'<text class="tile-label{dark}" text-anchor="middle">{text}</text></g>')
    # drawn at its own size (a few tiles stay small), shrunk to fit a phone by the CSS
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="tiles" width="{width:.0f}" '
            f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
            f'aria-labelledby="{title_id}"><title id="{title_id}">{escape(title)}</title>'
            f'{"".join(tiles)}</svg>')


def choropleth(places: list[Place], *, country: str, level: int, currency: str,
               title: str, slug: str) -> Map:
    """A map of `places` (regions: level 1, districts: level 2) of `country` (ISO code)."""
    legend = _classify(places, currency)
    title_id = f"map-{slug}"
    boundaries = BOUNDARIES.get((country, level))
    features = _features(boundaries.file, boundaries.key) if boundaries else ()
    codes = {code for code, _polygons in features}
    if places and any(p.code in codes for p in places):
        svg, missing = _outline_svg(places, features, title_id, title, currency,
                                    context=level == 1)
        if level == 1 and codes - {p.code for p in places}:
            legend.append(LegendItem("map-outside", _("not in the programme's records")))
        return Map(title, currency, mark_safe(svg), places, legend, "outlines",  # noqa: S308
                   boundaries.attribution, boundaries.url, missing)
    svg = _tiles_svg(places, title_id, title, currency)
    return Map(title, currency, mark_safe(svg), places, legend, "tiles")  # noqa: S308


# --- the maps of the report pages -----------------------------------------------------------

def region_maps() -> list[Map]:
    """One map per country: its regions by matched money per head (every fiscal year), in
    the country's currency. Three queries whatever the number of regions."""
    from django.db.models import Count, Q, Sum
    from django.urls import reverse

    from ..models import Country, Project, Region
    from .common import Filters

    countries = {c.pk: c for c in Country.objects.order_by("name")}
    matched = {(row["mahalla__district__region"], row["currency"]): row["matched"]
               for row in Project.objects.filter(Filters().projects()).order_by()
               .values("mahalla__district__region", "currency").annotate(matched=Sum("matched"))}
    regions = (Region.objects.order_by("name")
               .annotate(districts_known=Count("districts", filter=Q(districts__population__gt=0)),
                         districts_all=Count("districts"),
                         district_people=Sum("districts__population")))
    by_country: dict[int, list[Place]] = {}
    for region in regions:
        country = countries[region.country_id]
        by_country.setdefault(region.country_id, []).append(Place(
            name=region.name, code=region.code,
            matched=matched.get((region.pk, country.currency)) or Decimal("0.00"),
            population=_region_population(region),
            url=reverse("reports:region", args=[region.pk])))
    return [choropleth(places, country=countries[pk].code, level=1,
                       currency=countries[pk].currency, slug=f"regions-{countries[pk].code}",
                       title=_("%(country)s: matched money per head, by region")
                       % {"country": countries[pk].name})
            for pk, places in by_country.items()]


def _region_population(region) -> int:
    """The region's own figure; else its districts' sum when every district has one (a sum
    of known figures, never a guess); else 0: no per-head figure."""
    if region.population:
        return region.population
    if region.districts_all and region.districts_known == region.districts_all:
        return region.district_people or 0
    return 0


def district_map(report, place) -> Map | None:
    """The map of a regional report's places: a region's districts, a district's mahallas."""
    from django.urls import reverse

    from ..models import District

    if isinstance(place, District):
        table, level, country = report.table("mahallas"), 3, place.region.country
        title = _("%(place)s: matched money per head, by mahalla") % {"place": place.name}
        url = None
    else:
        table, level, country = report.table("districts"), 2, place.country
        title = _("%(place)s: matched money per head, by district") % {"place": place.name}
        url = "reports:district"
    if table is None or not table.rows:
        return None
    places = [Place(name=row["name"], code=row.get("code"), matched=row["matched"],
                    population=row["population"],
                    url=reverse(url, args=[row["id"]]) if url else "")
              for row in table.rows]
    return choropleth(places, country=country.code, level=level, currency=report.currency,
                      title=title, slug=f"places-{level}")
