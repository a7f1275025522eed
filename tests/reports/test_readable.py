"""Report pages a citizen can read: words for codes, amounts with their currency, no raw
booleans or unformatted decimals, and every index explained in the page's language; the
downloads keep the plain values."""

import csv
import io
import re

import pytest
from django.utils import translation

from matching import models as m
from matching.reports.common import Filters
from matching.reports.regional import gini_help, regional_report, theil_help

from .. import factories as f
from ..jobs.helpers import fetch

PAGES = ["/reports/", "/reports/funders/", "/reports/associations/", "/reports/leverage/"]


@pytest.fixture
def two_countries(programme):
    """The programme, and a Tajik scheme with its own envelope: two currencies in one report."""
    country = m.Country.objects.create(code="TJ", name="Tajikistan", currency="TJS",
                                       timezone="Asia/Dushanbe")
    region = f.RegionFactory(country=country, name="Sughd")
    district = f.DistrictFactory(region=region, name="Isfara")
    scheme = f.SchemeFactory(code="tj-1x1-2026", name="1x1 Sughd", country=country,
                             currency="TJS")
    funder = f.FunderFactory(name="Isfara hokimiyati", kind="district", district=district)
    m.BudgetEnvelope.objects.create(funder=funder, scheme=scheme, amount="2000000.00")
    return programme


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.mark.parametrize("path", [*PAGES, "region", "district"])
def test_report_pages_show_words_and_currencies_not_codes(client, two_countries, path):
    w = two_countries.world
    path = {"region": f"/reports/region/{w.region.pk}/",
            "district": f"/reports/district/{w.district_a.pk}/"}.get(path, path)
    body = client.get(path).content.decode()
    text = _visible_text(body)
    for raw in ("uz-1x1", "tj-1x1-2026", "True", "False", "None"):
        assert raw not in text, (path, raw)
    assert not re.search(r"(?<![\d,.])\d{5,}\.\d{2}\b", text), path  # 2000000000.00
    # a party's kind as a cell of its own is a code (its word is "District (hokimiyat)")
    assert not re.search(r">\s*(district|mahalla|region|national|sponsor|association)\s*<",
                         body), path


def test_every_money_column_carries_its_currency(two_countries):
    from matching.reports.views import BUILDERS

    seen = 0
    for name, build in BUILDERS.items():
        for table in build(Filters()).tables:
            for column in table.page_columns():
                if column.kind in ("money", "per_head"):
                    seen += 1
                    assert column.currency or all(row.get(column.currency_key)
                                                  for row in table.rows), (name, column.key)
    assert seen >= 15


def test_mixed_currencies_are_never_summed_together(client, two_countries):
    body = client.get("/reports/funders/").content.decode()
    assert "2,000,000 TJS" in body and "100,000,000 UZS" in body
    rows = list(csv.DictReader(io.StringIO(
        b"".join(fetch(client, "/reports/funders.csv", {"table": "envelopes"})
                 .streaming_content).decode("utf-8-sig"))))
    assert {r["Currency"] for r in rows} == {"UZS", "TJS"}
    assert all(re.fullmatch(r"\d+\.\d{2}", r["Envelope"]) for r in rows)  # plain in the CSV


@pytest.mark.parametrize("language", ["en", "uz", "ru", "tg", "ky"])
def test_each_index_is_explained_in_the_page_language(client, programme, language):
    w = programme.world
    client.cookies["django_language"] = language
    body = client.get(f"/reports/region/{w.region.pk}/").content.decode()
    with translation.override(language):
        for sentence in (gini_help(), theil_help()):
            assert sentence in body.replace("&#x27;", "'")
        explained = regional_report(Filters(region=w.region.pk)).table("districts")
        for column in explained.page_columns():
            if column.help:
                assert column.help in body.replace("&#x27;", "'")
    if language != "en":
        assert "Gini index: 0 when" not in body


def test_the_association_report_reads_country_names_and_yes_or_no(client, programme):
    body = _visible_text(client.get("/reports/associations/").content.decode())
    assert "Russia" in body and " RU " not in body
    assert re.search(r"\b(yes|no)\b", body)
    assert "1.5\xa0%" in body or "1.5 %" in body  # the remittance cost, in per cent
