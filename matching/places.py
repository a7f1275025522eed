"""Place names in the reader's language: the one helper every page, report and form uses
to show a region, district or mahalla (`{{ mahalla|place }}` in templates, `name_expr()` in
queries that read names with `.values()`).

Each language reads the first name the data has along its chain, then the Latin-script
`name` every place has: Uzbek readers get the Uzbek Latin name, or the English form of a
Tajik or Kyrgyz place (Latin script too); Tajik and Kyrgyz readers get their own language's
name, or the Russian one (Cyrillic, which they read); English readers the English name.
"""

from django.db.models import CharField, F, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation

NAME_CHAINS: dict[str, tuple[str, ...]] = {
    "uz": ("name_uz", "name_en"),
    "ru": ("name_ru",),
    "tg": ("name_tg", "name_ru"),
    "ky": ("name_ky", "name_ru"),
    "en": ("name_en",),
}


def _chain(language: str | None) -> tuple[str, ...]:
    language = (language or translation.get_language() or "en").split("-")[0]
    return NAME_CHAINS.get(language, ())


def local_name(place, language: str | None = None) -> str:
    """The place's name in `language` (default: the active one), as far as the data has it."""
    if place is None:
        return ""
    for field in _chain(language):
        value = getattr(place, field, "")
        if value:
            return value
    return place.name


def name_expr(path: str = "", language: str | None = None):
    """The same choice as an SQL expression over the place at `path` ("mahalla__district__"),
    for reads that take names with `.values()` instead of loading places."""
    parts = [NullIf(F(f"{path}{field}"), Value("")) for field in _chain(language)]
    return Coalesce(*parts, F(f"{path}name"), output_field=CharField()) if parts else F(f"{path}name")


def label_with_kind(place, language: str | None = None) -> str:
    """For pickers: official settlements can share a name in one district, so the kind of
    unit is added when the place has one ("Jalabek — Urban-type settlement")."""
    name = local_name(place, language)
    return f"{name} — {place.get_kind_display()}" if getattr(place, "kind", "") else name
