"""Public report pages and downloads: no login, no personal data, bad filters are a 400."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook


def test_region_page_is_public_and_draws_the_chart(client, programme):
    w = programme.world
    w.association.board.create(full_name="Aziz Karimov", position="chair", phone="+7999")
    response = client.get(f"/reports/region/{w.region.pk}/", {"year": w.scheme.fiscal_year})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Chirchiq" in body and "Angren" in body and "0.2667" in body
    assert 'id="share-chart-data"' in body and "chart-4.6.1.umd.min.js" in body
    assert "Aziz Karimov" not in body and "+7999" not in body and "alice" not in body
    assert "<script>" not in body and "style=" not in body  # the CSP allows neither


def test_district_page_lists_mahallas(client, programme):
    response = client.get(f"/reports/district/{programme.world.district_a.pk}/")
    assert response.status_code == 200 and "Navbahor" in response.content.decode()


@pytest.mark.parametrize("name", ["funders", "associations", "leverage"])
def test_programme_wide_pages(client, programme, name):
    assert client.get(f"/reports/{name}/").status_code == 200


def test_unknown_region_is_404(client, db):
    assert client.get("/reports/region/999999/").status_code == 404


@pytest.mark.parametrize("query", [{"year": "abc"}, {"year": "1800"}, {"scheme": "a b"}])
def test_bad_filters_are_400(client, programme, query):
    assert client.get("/reports/regional.json", query).status_code == 400
    assert client.get(f"/reports/region/{programme.world.region.pk}/", query).status_code == 400


def test_regional_downloads_in_three_formats(client, programme, django_assert_max_num_queries):
    w = programme.world
    query = {"year": w.scheme.fiscal_year, "region": w.region.pk}
    with django_assert_max_num_queries(12):
        response = client.get("/reports/regional.csv", {**query, "table": "districts"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["District"]: r["Matched by co-funders"] for r in rows}["Bekobod"] == "20000000.00"
    data = json.loads(client.get("/reports/regional.json", query).content)
    assert data["meta"]["gini"] == "0.2667"
    assert data["tables"]["districts_without_projects"]["rows"][0]["name"] == "Angren"
    book = load_workbook(io.BytesIO(client.get("/reports/regional.xlsx", query).content))
    assert "Districts" in book.sheetnames and "Concentration across years" in book.sheetnames


@pytest.mark.parametrize("name", ["funders", "associations", "leverage"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_whole_programme_downloads_are_prepared_in_the_background(client, programme, name,
                                                                   fmt):
    # (tests/reports/test_export_jobs.py follows them to the file)
    response = client.get(f"/reports/{name}.{fmt}", {"year": 2026})
    assert response.status_code == 303
    assert response["Location"].startswith("/jobs/exports/new/?")
    assert f"report={name}" in response["Location"] and f"format={fmt}" in response["Location"]


def test_unknown_table_or_format(client, programme):
    region = programme.world.region.pk
    response = client.get("/reports/regional.csv", {"table": "nope", "region": region})
    assert response.status_code == 400 and "districts" in response.content.decode()
    assert client.get("/reports/regional.pdf").status_code == 404
    assert client.get("/reports/regional.csv", {"region": "x"}).status_code == 400


def test_iati_download_of_a_region(client, programme):
    response = client.get("/reports/iati.xml", {"region": programme.world.region.pk})
    assert response.status_code == 200
    assert b"<iati-activities" in b"".join(response.streaming_content)
    # the whole programme's is prepared in the background
    assert client.get("/reports/iati.xml").status_code == 303


HUGE = "9" * 30  # past PostgreSQL's bigint: Django finds nothing, no DataError


@pytest.mark.parametrize("query", [{"region": HUGE}, {"district": HUGE}, {"region": "²"},
                                   {"district": "-1"}])
def test_out_of_range_places_are_not_a_500(client, programme, query):
    for url in ("/reports/regional.json", "/reports/regional.csv", "/reports/iati.xml"):
        response = client.get(url, query)
        assert response.status_code in (200, 400), (url, query)


def test_bad_place_names_the_bad_parameter(client, programme):
    for url in ("/reports/regional.json", "/reports/iati.xml"):
        response = client.get(url, {"district": "x"})
        assert response.status_code == 400
        assert "district" in json.loads(response.content)["errors"]
