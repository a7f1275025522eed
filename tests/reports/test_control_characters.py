"""No text a user can enter can break an output.

Every C0 control character (U+0000–U+001F) is sent through every free-text field on every
path: the services (each text argument of each service), the form pages, the API and the
imports. The ones XML cannot carry are refused, naming the field; tab, line feed and carriage
return are text and are kept. Then every public output (pages, CSV, XLSX, JSON and the IATI
document, validated against the 2.03 schema) is produced over records holding every one of
them (as data written before the rule existed would): each answers 200 and parses.
"""

import datetime
import inspect
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import etree
from openpyxl import load_workbook
from rest_framework.test import APIClient

from matching import models as m
from matching import services
from matching.errors import InvalidInput
from matching.imports import run_import
from matching.text import XML_ILLEGAL
from tests.imports.test_imports import ALL, receipts_csv
from tests.jobs.helpers import fetch

from .test_iati import SCHEMA

C0 = [chr(code) for code in range(0x20)]
ILLEGAL = [c for c in C0 if XML_ILLEGAL.match(c)]
LEGAL = [c for c in C0 if c not in ILLEGAL]  # tab, line feed, carriage return
TODAY = datetime.date.today()


def test_the_c0_characters_split_as_xml_1_0_says():
    assert LEGAL == ["\t", "\n", "\r"] and len(ILLEGAL) == 29


def _text_parameters(service):
    signature = inspect.signature(inspect.unwrap(service))
    return [name for name, parameter in signature.parameters.items()
            if parameter.annotation in (str, "str") and parameter.kind == parameter.KEYWORD_ONLY]


SERVICE_TEXT = [(name, parameter) for name in services.__all__
                for parameter in _text_parameters(getattr(services, name))]


def test_every_text_argument_of_every_service_is_checked():
    # the services' free text today; a new one is found by the enumeration above
    assert {("project_create", "title"), ("project_create", "description"),
            ("project_create", "executor"), ("receipt_record", "reference"),
            ("project_decide", "reason"), ("receipt_reject", "reason"),
            ("evidence_add", "description"), ("clawback_record", "reason")} <= set(SERVICE_TEXT)


@pytest.mark.parametrize("service, parameter", SERVICE_TEXT)
def test_every_service_refuses_control_characters_in_every_text_naming_it(
        db, service, parameter):
    """Refused before the service does anything (the check wraps every service), for each
    of the 29 characters; the three that XML carries pass the check."""
    call = getattr(services, service)
    for character in ILLEGAL:
        with pytest.raises(InvalidInput) as refused:
            call(actor=None, **{parameter: f"before{character}after"})
        assert refused.value.field == parameter, (service, parameter, repr(character))
    from matching.services.base import refuse_control_characters

    for character in LEGAL:
        refuse_control_characters({parameter: f"before{character}after"})


def test_nested_text_is_named_by_its_path(db):
    from matching.services.base import refuse_control_characters

    with pytest.raises(InvalidInput) as refused:
        refuse_control_characters({"parties": [{"role": "district"}, {"role": "re\x00gion"}]})
    assert refused.value.field == "parties.1.role"


def test_every_path_refuses_them_and_names_the_field(world, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True  # the test's receiver address
    project = world.approved()
    clerk, officer, api, migrant = Client(), Client(), APIClient(), APIClient()
    clerk.force_login(world.alice)
    officer.force_login(world.bob)
    api.force_authenticate(world.alice)
    migrant.force_authenticate(world.migrant)
    before = (m.Project.objects.count(), m.Receipt.objects.count(), m.Evidence.objects.count(),
              m.WebhookEndpoint.objects.count())
    for character in ILLEGAL:
        bad = f"Water{character}pipe"
        # pages: the form comes back with the message on the field
        page = clerk.post("/clerk/projects/new/", {
            "title": bad, "mahalla": world.mahalla_a.pk, "association": world.association.pk,
            "scheme": world.scheme.pk, "category": "road", "cost": "1000000",
            "executor_kind": "contractor"})
        assert page.status_code == 400 and "title" in page.context["form"].errors
        page = clerk.post(f"/clerk/projects/{project.pk}/evidence/new/", {
            "kind": "photo", "description": bad, "quantity": "1 km",
            "file": SimpleUploadedFile("w.png", b"\x89PNG\r\n\x1a\nxx")})
        assert page.status_code == 400 and "description" in page.context["form"].errors
        page = officer.post(f"/officer/projects/{project.pk}/decide/", {
            "decision": "rejected", "reason": bad})
        assert page.status_code in (400, 409)
        # the API: 400 naming the field (or the query parameter)
        answer = api.post("/api/v1/receipts/", {
            "project": project.pk, "amount": "1000.00", "currency": "UZS",
            "received_on": TODAY.isoformat(), "reference": bad}, format="json")
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["attr"] == "reference", repr(character)
        answer = migrant.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/",
                                                    "description": bad}, format="json")
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["attr"] == "description"
        answer = api.get("/api/v1/projects/", {"search": bad})
        assert answer.status_code == 400 and answer.json()["errors"][0]["attr"] == "search"
        # an import: the row is refused on its column (a NUL: the whole file is not text)
        content = receipts_csv([project.code, "1000.00", "UZS", TODAY.isoformat(), bad, "0",
                                ""])
        if character == "\x00":
            with pytest.raises(InvalidInput):
                run_import(kind="receipts", filename="r.csv", mode=ALL, actor=world.alice,
                           content=content)
        else:
            batch, _ = run_import(kind="receipts", filename=f"r{ord(character)}.csv",
                                  mode=ALL, actor=world.alice, content=content)
            assert "reference" in batch.rows.get().errors, repr(character)
    assert before == (m.Project.objects.count(), m.Receipt.objects.count(),
                      m.Evidence.objects.count(), m.WebhookEndpoint.objects.count())
    # the three that XML carries are text, kept as typed
    for character in LEGAL:
        answer = migrant.post("/api/v1/webhooks/", {"url": "http://127.0.0.1:9/",
                                                    "description": f"a{character}b"},
                              format="json")
        assert answer.status_code == 201, (repr(character), answer.json())


PUBLIC_PAGES = ["/projects/", "/reports/", "/reports/funders/",
                "/reports/associations/", "/reports/leverage/"]
DOWNLOADS = [f"/reports/{name}.{fmt}" for name in ("regional", "funders", "associations",
                                                    "leverage") for fmt in ("csv", "xlsx", "json")]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_public_output_survives_every_c0_character_in_every_text(world):
    # given records whose every public text holds every C0 character (data from before the
    # rule, written straight to the database; all but NUL, which PostgreSQL never stores)
    every = "".join(C0[1:])
    project = world.approved(executor="Builder")
    world.receipt(project, "1000000.00")
    services.project_suspend(project=project, actor=world.bob, reason="Pause for review")
    m.Project.objects.filter(pk=project.pk).update(
        title=f"Water{every}pipe", executor=f"Builder{every}", description=f"Pipe{every}")
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(name=f"Navbahor{every}")
    m.District.objects.filter(pk=world.district_a.pk).update(name=f"Chirchiq{every}")
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        name=f"Community{every}")
    m.Funder.objects.update(name=f"Hokimiyat{every}")
    m.StatusChange.objects.filter(project=project).update(reason=f"Reason{every}")
    project.refresh_from_db()
    anonymous = Client()
    checked = []
    for path in [*PUBLIC_PAGES, f"/projects/{project.code}/", f"/reports/region/{world.region.pk}/",
                 f"/reports/district/{world.district_a.pk}/"]:
        response = anonymous.get(path)
        assert response.status_code == 200, path
        assert "Water" in _body(response).decode() or path.startswith("/reports"), path
        checked.append(path)
    # the whole programme's files are prepared by a background job, run here as a worker would
    for path in ["/projects/export.csv", "/projects/export.json", *DOWNLOADS]:
        response = fetch(anonymous, path)
        assert response.status_code == 200, path
        body = _body(response)
        if path.endswith(".json"):
            json.loads(body)
        elif path.endswith(".xlsx"):
            load_workbook(io.BytesIO(body), read_only=True)  # XML inside: would raise
        else:
            body.decode("utf-8-sig")
        checked.append(path)
    response = fetch(anonymous, "/reports/iati.xml")
    assert response.status_code == 200
    document = etree.parse(io.BytesIO(_body(response)))
    etree.XMLSchema(etree.parse(str(SCHEMA))).assertValid(document)
    titles = document.xpath("//iati-activity/title/narrative/text()")
    assert any(title.startswith("Water") for title in titles)
    checked.append("/reports/iati.xml")
    # and the API's JSON carries them as JSON escapes
    api = APIClient()
    api.force_authenticate(world.auditor)
    detail = api.get(f"/api/v1/projects/{project.pk}/")
    assert detail.status_code == 200 and detail.json()["title"] == f"Water{every}pipe"
    assert len(checked) >= 20


def test_export_dates_are_the_local_days_the_pages_show(world, settings):
    """A decision at 23:30 UTC is the next day in Tashkent: exports say Tashkent's day."""
    settings.TIME_ZONE = "Asia/Tashkent"
    project = world.approved()
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.timezone.utc)
    m.Project.objects.filter(pk=project.pk).update(decided_at=late, submitted_at=late)
    rows = json.loads(_body(Client().get("/projects/export.json")))
    rows = rows.get("projects", rows) if isinstance(rows, dict) else rows
    assert [row["decided_on"] for row in rows if row["code"] == project.code] == ["2026-03-02"]
    document = etree.parse(io.BytesIO(_body(fetch(Client(), "/reports/iati.xml"))))
    started = document.xpath(f"//iati-activity[iati-identifier='XM-DAC-HASHAR-{project.code}']"
                             "/activity-date[@type='1']/@iso-date")
    assert started == ["2026-03-02"]
