"""Loading the official divisions (regions, districts, settlements) and entering populations.

`geography_load` reads `matching/data/geo/` (see its README for sources, licences and gaps).
The official code is the key: run twice, nothing is duplicated. A unit entered before codes
existed (the old demo's "Chirchiq") is adopted by its name under the same parent and given
its code. A unit that projects point to is never deleted: what the data does not list is
left as it was and reported. A population that an administrator entered from another source
is kept; the data's own figures are refreshed.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import Forbidden, InvalidInput
from ..models import Country, District, Mahalla, PlaceKind, Region
from .base import service

DATA = Path(__file__).resolve().parents[1] / "data" / "geo"
COUNTRIES = {  # code: name, currency, time zone, the field of the local-language name
    "UZ": ("Uzbekistan", "UZS", "Asia/Tashkent", "name_uz"),
    "TJ": ("Tajikistan", "TJS", "Asia/Dushanbe", "name_tg"),
    "KG": ("Kyrgyzstan", "KGS", "Asia/Bishkek", "name_ky"),
}
KINDS = {
    "Region": PlaceKind.REGION, "Republic": PlaceKind.REPUBLIC, "City": PlaceKind.CITY,
    "Capital territory": PlaceKind.CITY, "Autonomous region": PlaceKind.AUTONOMOUS_REGION,
    "Districts under republic administration": PlaceKind.REPUBLICAN_SUBORDINATION,
    "district": PlaceKind.DISTRICT, "district (tuman)": PlaceKind.DISTRICT,
    "district (nohiya)": PlaceKind.DISTRICT, "independent city": PlaceKind.CITY,
    "city of regional significance (shahar)": PlaceKind.CITY,
    "city district of Tashkent (tuman)": PlaceKind.CITY_DISTRICT,
    "city district": PlaceKind.CITY_DISTRICT,
    "urban-type settlement (shaharcha)": PlaceKind.URBAN_SETTLEMENT,
    "village citizens' assembly (QFY, qishloq fuqarolar yig'ini)": PlaceKind.VILLAGE_ASSEMBLY,
}
NAME_FIELDS = ("name", "name_en", "name_ru", "name_uz", "name_uz_cyrl", "name_tg", "name_ky")
DATA_FIELDS = (*NAME_FIELDS, "kind", "source")
POPULATION_FIELDS = ("population", "population_year", "population_source")

# Letters that look alike in the two scripts. The sources mix them now and then ("Чиpчик"
# with a Latin p, "Kenеgеs" with Cyrillic e): a name that mixes scripts is written in the
# script of its column.
_CYRILLIC = "АВЕКМНОРСТХаеорсух"
_LATIN = "ABEKMHOPCTXaeopcyx"
TO_CYRILLIC = str.maketrans(_LATIN, _CYRILLIC)
TO_LATIN = str.maketrans(_CYRILLIC, _LATIN)
HAS_CYRILLIC = re.compile("[\u0400-\u04ff]")
HAS_LATIN = re.compile("[A-Za-z]")
LEFT_SHOWN = 30  # units listed by name in a report; the rest are counted


def one_script(value: str, cyrillic: bool) -> str:
    """`value` with look-alike letters of the other script replaced, when it mixes them."""
    value = (value or "").strip()
    if HAS_CYRILLIC.search(value) and HAS_LATIN.search(value):
        return value.translate(TO_CYRILLIC if cyrillic else TO_LATIN)
    return value


@dataclass
class LevelReport:
    """What one load did to one level of one country."""

    label: str
    in_data: int = 0
    added: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, old, new
    updated: int = 0
    adopted: list[tuple[str, str]] = field(default_factory=list)  # code, name
    population_kept: list[str] = field(default_factory=list)
    left: list[tuple[str, str | None, int]] = field(default_factory=list)  # name, code, projects

    def lines(self) -> list[str]:
        unchanged = (self.in_data - len(self.added) - len(self.renamed) - self.updated)
        out = [f"{self.label}: {self.in_data} in the data; {len(self.added)} added, "
               f"{len(self.renamed)} renamed, {self.updated} updated, {unchanged} unchanged, "
               f"{len(self.left)} left as they were"]
        out += [f"  renamed {code}: {old} -> {new}" for code, old, new in self.renamed]
        out += [f"  gave code {code} to {name} (entered before codes)" for code, name in
                self.adopted]
        out += [f"  kept the population an administrator entered for {name}"
                for name in self.population_kept]
        left = sorted(self.left, key=lambda item: (-item[2], item[0]))
        out += [f"  left {name} ({code or 'no code'}): not in the data, {n} projects point to it"
                for name, code, n in left[:LEFT_SHOWN]]
        if len(left) > LEFT_SHOWN:
            out.append(f"  … and {len(left) - LEFT_SHOWN} more left as they were")
        return out


def _rows(filename: str) -> list[dict]:
    with open(DATA / filename, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _values(row: dict, country: str) -> dict:
    """The model fields of one CSV row."""
    local_field = COUNTRIES[country][3]
    values = {f: "" for f in NAME_FIELDS}
    values["name_en"] = one_script(row["name_en"], cyrillic=False)
    values["name_ru"] = one_script(row["name_ru"], cyrillic=True)
    values[local_field] = one_script(row["name_local"], cyrillic=local_field != "name_uz")
    if country == "UZ":
        values["name_uz_cyrl"] = one_script(row.get("name_local_alt", ""), cyrillic=True)
        values["name"] = values["name_uz"] or values["name_en"]
    else:
        values["name"] = values["name_en"] or values[local_field]
    values["name"] = values["name"][:100]
    values["kind"] = KINDS.get(row["type"], "")
    values["source"] = row["source"]
    population = row.get("population", "").strip()
    values["population"] = int(population) if population else None
    values["population_year"] = int(row["population_year"]) if population else None
    source = row["source"]
    values["population_source"] = (source.split("population: ", 1)[1] if "population: " in source
                                   else source)[:300] if population else ""
    return values


def _names(values_or_place) -> set[str]:
    get = (values_or_place.get if isinstance(values_or_place, dict)
           else lambda f: getattr(values_or_place, f))
    return {n.casefold() for n in (get(f) for f in NAME_FIELDS) if n}


def _load_level(model, parent_field: str, rows: list[dict], country: Country,
                parents: dict[str, int], report: LevelReport) -> dict[str, int]:
    """Add or update the units of one level; return code -> id for the level below."""
    in_country = {Region: {"country": country},
                  District: {"region__country": country},
                  Mahalla: {"district__region__country": country}}[model]
    existing = list(model.objects.filter(**in_country).select_for_update(of=("self",)))
    by_code = {p.code: p for p in existing if p.code}
    uncoded: dict[tuple[int, str], object] = {}
    for place in existing:
        if not place.code:
            for name in _names(place):
                uncoded.setdefault((getattr(place, f"{parent_field}_id"), name), place)
    create, update, seen = [], [], set()
    for row in rows:
        parent_id = parents.get(row["parent_code"])
        if parent_id is None:
            continue  # its parent is not loaded (another country, or not asked for)
        report.in_data += 1
        values = _values(row, country.code)
        place = by_code.get(row["code"])
        adopted = False
        if place is None:
            place = next((uncoded[(parent_id, n)] for n in _names(values)
                          if (parent_id, n) in uncoded and uncoded[(parent_id, n)].pk not in seen),
                         None)
            if place is not None:  # entered before codes existed: it gets its code
                adopted = True
                report.adopted.append((row["code"], place.name))
                place.code = row["code"]
        if place is None:
            create.append(model(code=row["code"], **{f"{parent_field}_id": parent_id}, **values))
            report.added.append(values["name"])
            continue
        seen.add(place.pk)
        differs = (getattr(place, f"{parent_field}_id") != parent_id
                   or any(getattr(place, f) != values[f] for f in DATA_FIELDS))
        if place.name != values["name"]:
            report.renamed.append((row["code"], place.name, values["name"]))
        elif differs:
            report.updated += 1
        if differs:
            setattr(place, f"{parent_field}_id", parent_id)
            for f in DATA_FIELDS:
                setattr(place, f, values[f])
        population_changed = _refresh_population(place, values, report)
        if population_changed and not differs:
            report.updated += 1
        if adopted or differs or population_changed:
            update.append(place)
    model.objects.bulk_create(create, batch_size=500)
    model.objects.bulk_update(update, ["code", parent_field, *DATA_FIELDS, *POPULATION_FIELDS],
                              batch_size=500)
    left = [p for p in existing if p.pk not in seen]
    if left:
        counts = dict(model.objects.filter(pk__in=[p.pk for p in left])
                      .annotate(n=Count(_projects_path(model))).values_list("pk", "n"))
        parents = {p.pk: getattr(p, parent_field) for p in model.objects.filter(
            pk__in=[p.pk for p in left]).select_related(parent_field)}
        report.left += [(f"{p.name} in {parents[p.pk]}", p.code, counts.get(p.pk, 0))
                        for p in left]
    return dict(model.objects.filter(**in_country, code__isnull=False).values_list("code", "pk"))


def _projects_path(model) -> str:
    return {Region: "districts__mahallas__projects", District: "mahallas__projects",
            Mahalla: "projects"}[model]


def _refresh_population(place, values: dict, report: LevelReport) -> bool:
    """Take the data's population unless an administrator entered one from another source."""
    if values["population"] is None:
        return False
    # a figure without a source is of unknown origin (the old demo's placeholders): replaced
    entered = (place.population is not None and place.population_source
               and place.population_source != values["population_source"])
    if entered:
        report.population_kept.append(place.name)
        return False
    changed = any(getattr(place, f) != values[f] for f in POPULATION_FIELDS)
    for f in POPULATION_FIELDS:
        setattr(place, f, values[f])
    return changed


@service
def geography_load(*, actor=None, countries: list[str] | None = None,
                   settlements: bool = False) -> list[LevelReport]:
    """Load the regions and districts of `countries` (all three by default), and Uzbekistan's
    settlements as mahalla-level units with `settlements`. Returns what each level did."""
    codes = sorted(countries or COUNTRIES)
    unknown = set(codes) - set(COUNTRIES)
    if unknown:
        raise InvalidInput(_("No geography data for %(codes)s.") % {"codes": ", ".join(
            sorted(unknown))}, field="country")
    reports = []
    for code in codes:
        name, currency, tz, _local = COUNTRIES[code]
        Country.objects.get_or_create(code=code, defaults={"name": name, "currency": currency,
                                                           "timezone": tz})
        # two loads at once would both add the same units: the second waits for the first
        country = Country.objects.select_for_update().get(code=code)
        lower = code.lower()
        regions = LevelReport(f"{code} regions")
        region_ids = _load_level(Region, "country", _rows(f"{lower}_adm1.csv"), country,
                                 {code: country.pk}, regions)
        districts = LevelReport(f"{code} districts")
        district_ids = _load_level(District, "region", _rows(f"{lower}_adm2.csv"), country,
                                   region_ids, districts)
        reports += [regions, districts]
        if settlements and code == "UZ":
            mahallas = LevelReport(f"{code} settlements")
            _load_level(Mahalla, "district", _rows("uz_adm3_settlements.csv"), country,
                        district_ids, mahallas)
            reports.append(mahallas)
    return reports


@service
def place_population_set(*, actor, place, population: int | None, year: int | None,
                         source: str):
    """An administrator enters (or clears) a place's population, with its year and source.

    A figure without its year and source could not be checked, so both are required; a year
    in the future is refused. The audit trail keeps the figure it replaces and who entered it.
    """
    policies.require_administrator(actor)
    if not place.__class__.objects.managed_by(actor).filter(pk=place.pk).exists():
        raise Forbidden(_("This place is not in your region."))
    source = (source or "").strip()
    if population is not None:
        if population <= 0:
            raise InvalidInput(_("Enter the number of people, or leave it empty if it is not "
                                 "known."), field="population")
        if year is None:
            raise InvalidInput(_("Give the year the figure is for."), field="population_year")
        if not 1900 <= year <= timezone.localdate().year:
            raise InvalidInput(_("Give a year between 1900 and this year."),
                               field="population_year")
        if not source:
            raise InvalidInput(_("Say where the figure comes from (census, statistics office, "
                                 "estimate …)."), field="population_source")
    else:
        year, source = None, ""
    place = place.__class__.objects.select_for_update().get(pk=place.pk)
    place.population, place.population_year, place.population_source = population, year, source
    place.save(update_fields=list(POPULATION_FIELDS))
    return place
