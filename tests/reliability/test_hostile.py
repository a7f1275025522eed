"""Hostile input: Schemathesis over every operation of the OpenAPI schema as each role, bad
uploads through the web pages and the API, and formulas in CSV exports.

`make reliability` (RELIABILITY_FULL=1) runs the fuzzing, at least 2,000 requests in all; the
suite's bounded run is tests/api/test_schema.py.
"""

import csv
import io
import time
from collections import Counter

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import HealthCheck, Phase, settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import ledger
from matching import models as m
from matching import services
from matching.errors import InvalidInput
from matching.web import abuse

from ..jobs.helpers import fetch
from .conftest import full_only, report

ROLES = ["clerk", "officer", "administrator", "association", "auditor", "anonymous"]
EXAMPLES = 3  # per operation and data mode: about 6,000 requests over the six roles
SENT = Counter()  # requests per role, for the figures line
FAILED = Counter()


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def callers(world, settings):
    """Authorization headers per role, with a few projects around to find. (Schemathesis'
    lazy fixture cannot take a parametrised fixture, so each generated case is sent as every
    role in turn.) Rate limits out of the way: the contract is what is fuzzed."""
    from django.core import signals
    from django.db import close_old_connections

    settings.API_RATES = {"anon": "100000/minute", "user": "100000/minute",
                          "login": "100000/minute"}
    world.approved()
    world.approved(mahalla=world.mahalla_b)
    users = {"clerk": world.alice, "officer": world.bob, "administrator": world.admin,
             "association": world.migrant, "auditor": world.auditor, "anonymous": None}
    headers = {role: {"Authorization": f"Token {AuthToken.objects.create(user)[1]}"}
               if user else {} for role, user in users.items()}
    # the WSGI app keeps the test's connection, as Django's test client does
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield headers
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _fuzz_figures():
    yield
    if SENT:
        assert sum(SENT.values()) >= 2000, SENT  # what README promises of the full run
        report("schemathesis", f"{sum(SENT.values())} generated requests over every operation × "
               f"{len(SENT)} roles ({', '.join(f'{r} {n}' for r, n in sorted(SENT.items()))}) → "
               f"{FAILED['500']} server errors, {FAILED['schema']} off-schema responses")


@full_only("about 6,000 requests, a minute or two (the suite's own bounded run is "
           "tests/api/test_schema.py)")
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_api_never_answers_500_or_off_schema_for_any_role(case, callers):
    from config.wsgi import application

    if case.operation.path.startswith("/api/v1/auth/logout"):
        return  # would revoke the tokens the other examples use (the suite's test covers it)
    for role in ROLES:
        response = case.call(app=application, headers=callers[role])
        SENT[role] += 1
        if response.status_code >= 500:
            FAILED["500"] += 1
        try:
            # every check but positive-data acceptance (see tests/api/test_schema.py)
            case.validate_response(response, headers=callers[role], excluded_checks=[
                schemathesis.checks.positive_data_acceptance])
        except BaseException:  # schemathesis' FailureGroup is a BaseExceptionGroup
            FAILED["schema"] += 1
            raise


# --- uploads -----------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BAD_UPLOADS = {
    "wrong type by name": ("payload.exe", b"MZ\x90\x00" + b"\x00" * 60),
    "wrong type by content": ("slip.pdf", b"<html><script>alert(1)</script></html>"),
    "a script as an image": ("photo.png", b"#!/bin/sh\nrm -rf /\n"),
    "oversized": ("big.pdf", PDF + b"0" * 4096),
    "null byte in the name": ("slip.pdf\x00.exe", PDF),
}


def _upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_bad_uploads_are_refused_on_every_upload_path(world, settings, case, figures):
    settings.UPLOAD_MAX_BYTES = 2048
    name, content = BAD_UPLOADS[case]
    project = world.approved()
    tranche = m.Tranche.objects.filter(commitment__project=project).first()
    clerk, officer = Client(), Client()
    clerk.force_login(world.alice)
    officer.force_login(world.bob)
    api = APIClient()
    api.force_authenticate(world.alice)
    before = (m.Receipt.objects.count(), m.Evidence.objects.count(),
              m.LedgerEntry.objects.count(), m.Complaint.objects.count())
    settings.COMPLAINT_PHOTO_MAX_BYTES = 2048
    answers = {
        "web complaint (anonymous)": Client().post(f"/projects/{project.code}/complaints/new/", {
            "category": "quality", "text": "The works are badly done.", "website": "",
            "started": abuse.form_token(now=time.time() - 60),
            "photo": _upload(name.replace(".pdf", ".png"), content)}),
        "web receipt": clerk.post(f"/clerk/projects/{project.pk}/receipts/new/", {
            "received_on": "2026-01-05", "amount": "1000", "currency": "UZS", "rate": "1",
            "fee": "0", "reference": f"BAD-{case}", "proof": _upload(name, content)}),
        "web evidence": clerk.post(f"/clerk/projects/{project.pk}/evidence/new/", {
            "kind": "photo", "file": _upload(name, content), "description": "x"}),
        "web disbursement": officer.post(f"/officer/tranches/{tranche.pk}/disburse/", {
            "amount": "1", "paid_on": "2026-01-05", "description": "x",
            "file": _upload(name, content)}),
        "API receipt": api.post("/api/v1/receipts/", {
            "project": project.pk, "amount": "1000", "currency": "UZS",
            "received_on": "2026-01-05", "reference": f"BAD-API-{case}", "rate": "1",
            "proof": _upload(name, content)}, format="multipart"),
    }
    accepted = {path: r.status_code for path, r in answers.items() if r.status_code < 400}
    assert not accepted, accepted
    assert before == (m.Receipt.objects.count(), m.Evidence.objects.count(),
                      m.LedgerEntry.objects.count(), m.Complaint.objects.count())
    assert ledger.verify() == []
    figures("uploads", f"{case}: {len(answers)} upload paths "
            f"({', '.join(f'{p} {r.status_code}' for p, r in answers.items())}) → "
            "all refused, nothing written")


def test_a_path_traversal_name_never_leaves_the_media_folder(world, settings, tmp_path, figures):
    project = world.approved()
    clerk = Client()
    clerk.force_login(world.alice)
    refused_or_renamed = []
    for name in ("../../../etc/cron.d/evil.pdf", "..\\..\\evil.pdf", "/etc/passwd.pdf"):
        response = clerk.post(f"/clerk/projects/{project.pk}/evidence/new/", {
            "kind": "photo", "file": _upload(name, PDF), "description": name})
        refused_or_renamed.append(response.status_code)
    stored = [e.file.path for e in m.Evidence.objects.all()]
    media = str(settings.MEDIA_ROOT)
    assert all(path.startswith(media) and ".." not in path for path in stored), stored
    # the service refuses such a name outright when it reaches it (a script, an import)
    with pytest.raises(InvalidInput):
        services.evidence_add(project=project, actor=world.alice, kind="photo",
                              file=ContentFile(PDF, name="../evil.pdf"), description="x")
    figures("uploads", f"path traversal names: web {refused_or_renamed} (Django's parser keeps "
            f"the base name; stored under a name we choose), {len(stored)} files all inside "
            "MEDIA_ROOT; the service refuses such names OK")


# --- CSV exports ---------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0"]


def _dangerous(cell: str) -> bool:
    if not cell or cell[0] not in "=+-@\t\r":
        return False
    try:
        float(cell)  # a negative number is a number, not a formula
        return False
    except ValueError:
        return True


def test_csv_exports_neutralise_formulas(world, figures):
    for i, formula in enumerate(FORMULAS):
        world.approved(title=formula, description=formula)
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(name=FORMULAS[0])
    m.Mahalla.objects.filter(pk=world.mahalla_a.pk).update(name=FORMULAS[1])
    anonymous = Client()
    world.receipt(m.Project.objects.filter(title=FORMULAS[0]).get(), "1000.00")
    ledgers = [f"/projects/{code}/ledger.csv" for code in m.Project.objects.public()
               .values_list("code", flat=True)]
    exports = ["/projects/export.csv", *ledgers] + [
        f"/reports/{name}.csv" for name in ("regional", "funders", "associations", "leverage")]
    cells, bad = 0, []
    for path in exports:
        response = fetch(anonymous, path)  # whole-programme files: through their job
        if response.status_code == 404:
            continue
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))):
            cells += len(row)
            bad += [(path, cell) for cell in row if _dangerous(cell)]
    assert cells and not bad, bad
    figures("csv formulas", f"{len(FORMULAS)} formula payloads in titles, mahalla and "
            f"association names → {cells} cells in {len(exports)} CSV exports, 0 live formulas")
