"""No personal data leaves through any public output: distinctive names, user names, phones,
e-mails, complaint contacts and bank references are seeded everywhere they are kept, then
every public page, download and API answer is searched for them."""

import html
import io
import json
import time
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from matching import models as m
from matching import services
from matching.web import abuse

from .conftest import pdf, png

PERSONAL = {
    "board member": "Qodirjon Xurramboyev", "board phone": "+7 915 404 22 81",
    "board e-mail": "qodirjon.board@mail.example", "association e-mail": "office-7731@club.example",
    "clerk login": "clerk-zulfiya-77", "clerk name": "Zulfiyaxon", "clerk surname": "Ergasheva",
    "clerk e-mail": "zulfiya.e@hokimiyat.example", "clerk phone": "+998 90 777 12 34",
    "officer login": "officer-botir-51", "officer name": "Botirali", "officer surname": "Nazarqulov",
    "officer e-mail": "botir.n@hokimiyat.example", "officer phone": "+998 91 555 43 21",
    "migrant login": "migrant-sardor-09", "migrant name": "Sardorbek",
    "migrant e-mail": "sardor.m@club.example",
    "complaint contact": "+998 93 321 65 87", "complaint e-mail": "nilufar.k@mail.example",
    "bank reference": "WU-7731-5512-XK", "second bank reference": "SBER-99201-QZ",
    "refund reference": "KAZPOST-44-ZZ",
}


@pytest.fixture
def seeded(world, settings):
    settings.CACHES = {"default": {**settings.CACHES["default"],
                                   "KEY_PREFIX": f"hashar-test-{uuid.uuid4().hex}"}}
    p = PERSONAL
    m.BoardMember.objects.create(association=world.association, full_name=p["board member"],
                                 position="Chair", phone=p["board phone"],
                                 email=p["board e-mail"])
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        email=p["association e-mail"])
    for user, prefix in ((world.alice, "clerk"), (world.bob, "officer"),
                         (world.migrant, "migrant")):
        m.User.objects.filter(pk=user.pk).update(
            username=p[f"{prefix} login"], first_name=p[f"{prefix} name"],
            last_name=p.get(f"{prefix} surname", ""), email=p[f"{prefix} e-mail"],
            phone=p.get(f"{prefix} phone", ""))
        user.refresh_from_db()
    project = world.approved(title="Navbahor drinking water")
    world.receipt(project, "12000000.00", reference=p["bank reference"], proof=pdf())
    wrong = world.receipt(project, "1000000.00", reference=p["second bank reference"])
    services.receipt_reverse(receipt=wrong, actor=world.bob, reason="Typed twice")
    back = world.receipt(project, "500000.00", reference=p["refund reference"])
    services.receipt_refund(receipt=back, actor=world.bob, reason="Sent by mistake")
    evidence = services.evidence_add(project=project, actor=world.alice, kind="photo",
                                     file=png(), description="Trench dug", quantity="300 m")
    tranche = m.Tranche.objects.get(commitment__project=project, commitment__role="district",
                                    number=1)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=evidence)
    rejected = world.submitted(title="Rejected stadium")
    services.project_review_start(project=rejected, actor=world.erin)
    services.project_decide(project=rejected, actor=world.erin, decision="rejected",
                            reason="Not eligible")
    # a complaint filed through the page, with both kinds of contact, then answered
    Client(REMOTE_ADDR="203.0.113.80").post(
        reverse("complaint-new", args=[project.code]),
        {"category": "money", "text": "The money for the pipe is not spent on the pipe.",
         "contact": f"{p['complaint contact']} {p['complaint e-mail']}", "website": "",
         "started": abuse.form_token(now=time.time() - 60)})
    complaint = m.Complaint.objects.get()
    assert p["complaint e-mail"] in complaint.contact
    services.complaint_answer(actor=world.bob, complaint=complaint,
                              answer="The invoices were checked: the money went to the pipe.")
    return {"project": project, "rejected": rejected, "complaint": complaint}


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets
                         for row in sheet.iter_rows(values_only=True) for cell in row)
    text = body.decode("utf-8", errors="replace")
    return html.unescape(text)


def _public_outputs(world, seeded) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of every public page, download and API answer."""
    project, rejected, complaint = seeded["project"], seeded["rejected"], seeded["complaint"]
    get = []
    for code in (project.code, rejected.code):
        get += [f"/projects/{code}/", f"/projects/{code}/ledger.csv",
                f"/projects/{code}/ledger.json", f"/projects/{code}/complaints/new/"]
    get += ["/projects/", "/projects/?status=rejected", "/projects/export.csv",
            "/projects/export.json", "/complaints/", f"/complaints/{complaint.code}/",
            "/reports/", f"/reports/region/{world.region.pk}/",
            f"/reports/district/{world.district_a.pk}/", "/reports/iati.xml",
            f"/files/evidence/{project.evidence.get().pk}/",
            "/api/v1/schemes/", f"/api/v1/schemes/{world.scheme.code}/",
            "/api/v1/reports/regional/", "/api/v1/projects/", f"/api/v1/projects/{project.pk}/",
            "/api/v1/receipts/", "/api/v1/pledges/", "/api/schema/"]
    for name in ("regional", "funders", "associations", "leverage"):
        get += [f"/reports/{name}/" if name != "regional" else "/reports/",
                f"/reports/{name}.json", f"/reports/{name}.xlsx"]
        get += [f"/reports/{name}.csv?table={t}" for t in {
            "regional": ["districts", "districts_without_projects", "concentration_trend"],
            "funders": ["envelopes", "commitments_at_risk"],
            "associations": ["associations"], "leverage": ["leverage"]}[name]]
    post = [("/api/v1/match-preview/", {"scheme": world.scheme.code, "cost": "40000000.00",
                                        "received": "12000000.00"})]
    return [("get", path, None) for path in get] + [("post", path, body) for path, body in post]


def _prepared(client, response):
    """A whole-programme file is built by a background job: its link answers 303 to the page
    that starts one. Start it as this visitor, run it, and return the file's answer."""
    from urllib.parse import parse_qsl, urlsplit

    from django.urls import resolve

    from matching.jobs.tasks import run_job

    location = urlsplit(response["Location"])
    assert location.path == reverse("jobs:export-new"), response["Location"]
    assert client.get(response["Location"]).status_code == 200
    started = client.post(location.path, dict(parse_qsl(location.query)))
    assert started.status_code == 302, started.status_code
    pk = resolve(started["Location"]).kwargs["pk"]
    assert run_job(pk) == "succeeded"
    return client.get(reverse("jobs:download", args=[pk]))


def test_no_public_output_carries_personal_data(world, seeded):
    anonymous = Client()
    checked, found = [], []
    for method, path, body in _public_outputs(world, seeded):
        if method == "get":
            response = anonymous.get(path)
            if response.status_code == 303:  # the whole programme's file: a job builds it
                response = _prepared(anonymous, response)
        else:
            response = anonymous.post(path, json.dumps(body), content_type="application/json")
        # the API's private reads refuse the anonymous; everything else answers
        assert response.status_code in (200, 401), (path, response.status_code)
        text = _text(response)
        checked.append(path)
        found += [(path, what) for what, value in PERSONAL.items() if value in text]
    assert len(checked) >= 40
    assert not found, found


def test_the_seeded_values_are_where_people_who_may_see_them_see_them(login, world, seeded):
    """The search above can fail: the same values are on the pages of those allowed."""
    officer = login(world.bob)
    page = officer.get(reverse("officer-complaint", args=[seeded["complaint"].pk]))
    assert PERSONAL["complaint contact"] in _text(page)
    clerk = login(world.alice)
    page = clerk.get(reverse("clerk-project", args=[seeded["project"].pk]))
    assert PERSONAL["bank reference"] in _text(page)
    assert PERSONAL["clerk login"] in _text(page)  # her own name in the header
