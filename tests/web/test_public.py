"""Public transparency pages: every project past submission (rejected and deferred ones too,
with their reasons), their waterfall, decisions, evidence and downloads, with no personal
data; drafts stay private."""

import csv
import io
import json

import pytest
from django.urls import reverse

from matching import models as m
from matching import services

from .conftest import pdf, png

PERSONAL = ["Dilshod Karimov", "+7 916 555 01 23", "dilshod@example.org", "board@club.example",
            "alice", "bob", "erin"]


@pytest.fixture
def published(world):
    """An approved project with money in, evidence, and a board whose details are private."""
    m.MigrantAssociation.objects.filter(pk=world.association.pk).update(
        email="board@club.example")
    m.BoardMember.objects.create(association=world.association, full_name="Dilshod Karimov",
                                 position="Chair", phone="+7 916 555 01 23",
                                 email="dilshod@example.org")
    project = world.approved(title="Navbahor drinking water")
    world.receipt(project, "12000000.00", proof=pdf())
    services.evidence_add(project=project, actor=world.alice, kind="photo", file=png(),
                          description="Trench dug", quantity="300 m")
    return project


def _drafts(world):
    """A draft, and a draft withdrawn before it was ever submitted: both private."""
    draft = world.project(title="Secret draft")
    withdrawn = world.project(title="Withdrawn draft")
    services.project_withdraw(project=withdrawn, actor=world.alice, reason="Changed our minds")
    return [draft, withdrawn]


def _reviewed(world):
    """Past submission: public, whatever came of them."""
    submitted = world.submitted(title="Pending well")
    rejected = world.submitted(title="Rejected stadium")
    services.project_review_start(project=rejected, actor=world.bob)
    services.project_decide(project=rejected, actor=world.bob, decision="rejected",
                            reason="Not eligible: a stadium is no infrastructure")
    deferred = world.submitted(title="Deferred bridge")
    services.project_review_start(project=deferred, actor=world.bob)
    services.project_decide(project=deferred, actor=world.bob, decision="deferred",
                            reason="Wait for the spring session")
    return [submitted, rejected, deferred]


def test_list_shows_every_project_past_submission_and_no_draft(
        client, world, published, django_assert_max_num_queries):
    _drafts(world)
    _reviewed(world)
    for n in range(3):
        world.approved(title=f"Lights {n}")
    with django_assert_max_num_queries(6):
        response = client.get(reverse("public-projects"))
    html = response.content.decode()
    assert response.status_code == 200
    for title in ("Navbahor drinking water", "Lights 2", "Pending well", "Rejected stadium",
                  "Deferred bridge"):
        assert title in html
    for title in ("Secret draft", "Withdrawn draft"):
        assert title not in html


def test_list_filters_by_status(client, world, published):
    _reviewed(world)
    html = client.get(reverse("public-projects"), {"status": "rejected"}).content.decode()
    assert "Rejected stadium" in html
    assert "Pending well" not in html and "Navbahor drinking water" not in html
    data = json.loads(client.get(reverse("public-projects-json"),
                                 {"status": "deferred"}).content)
    assert [row["title"] for row in data["projects"]] == ["Deferred bridge"]
    # an unknown status is no filter, never an error
    assert client.get(reverse("public-projects"), {"status": "draft"}).status_code == 200


def test_drafts_have_no_public_page(client, world):
    for project in _drafts(world):
        assert client.get(reverse("public-project", args=[project.code])).status_code == 404


def test_rejected_and_deferred_projects_show_their_decision_reason_and_role(client, world):
    submitted, rejected, deferred = _reviewed(world)
    html = client.get(reverse("public-project", args=[rejected.code])).content.decode()
    assert "Rejected" in html and "Not eligible: a stadium is no infrastructure" in html
    assert "Municipal officer" in html and "bob" not in html
    html = client.get(reverse("public-project", args=[deferred.code])).content.decode()
    assert "Deferred" in html and "Wait for the spring session" in html
    html = client.get(reverse("public-project", args=[submitted.code])).content.decode()
    assert "No decision yet" in html


def test_project_page_shows_waterfall_decisions_and_evidence(client, published):
    html = client.get(reverse("public-project", args=[published.code])).content.decode()
    assert 'class="bar"' in html
    assert '<span class="matched w-30">' in html  # 12,000,000 matched of 40,000,000
    assert "12,000,000.00\xa0UZS" in html and "Chirchiq hokimiyati" in html
    assert "Good value" in html and "Municipal officer" in html  # reason and the author's role
    assert reverse("evidence-file", args=[published.evidence.get().pk]) in html
    assert "300 m" in html


def test_public_pages_and_downloads_carry_no_personal_data(client, published):
    pages = [client.get(reverse("public-project", args=[published.code])),
             client.get(reverse("public-projects")),
             client.get(reverse("public-projects-csv")),
             client.get(reverse("public-projects-json"))]
    for response in pages:
        body = response.content.decode()
        for private in PERSONAL:
            assert private not in body, (response.request["PATH_INFO"], private)
        assert reverse("receipt-proof", args=[published.receipts.get().pk]) not in body


def test_csv_download(client, world, published):
    _drafts(world)
    response = client.get(reverse("public-projects-csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [r["code"] for r in rows] == [published.code]
    assert rows[0]["received"] == "12000000.00" and rows[0]["matched"] == "12000000.00"
    assert rows[0]["district"] == "Chirchiq" and rows[0]["status"] == "funding"


def test_json_download_has_amounts_as_strings(client, world, published):
    _drafts(world)
    data = json.loads(client.get(reverse("public-projects-json")).content)
    (row,) = data["projects"]
    assert row["code"] == published.code and row["cost"] == "40000000.00"
    assert all(isinstance(row[k], str) for k in ("cost", "received", "matched", "disbursed"))


def test_list_filters_by_district(client, world, published):
    world.approved(title="Guliston lights", mahalla=world.mahalla_b)
    html = client.get(reverse("public-projects"), {"district": world.district_b.pk}) \
        .content.decode()
    assert "Guliston lights" in html and "Navbahor drinking water" not in html


@pytest.mark.parametrize("district", ["²", "abc", "-1", "99999999999999999999", ""])
@pytest.mark.parametrize("name", ["public-projects", "public-projects-csv", "public-projects-json"])
def test_a_district_filter_that_is_no_id_is_no_error(client, published, name, district):
    response = client.get(reverse(name), {"district": district})
    assert response.status_code == 200


def test_evidence_of_an_approved_project_is_public(client, published):
    evidence = published.evidence.get()
    response = client.get(reverse("evidence-file", args=[evidence.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_evidence_of_a_draft_is_only_for_its_scope(client, login, world):
    draft = world.project()
    evidence = services.evidence_add(project=draft, actor=world.alice, kind="photo", file=png())
    url = reverse("evidence-file", args=[evidence.pk])
    assert client.get(url).status_code == 404
    assert login(world.charlie).get(url).status_code == 404
    assert login(world.alice).get(url).status_code == 200


def test_evidence_whose_file_is_gone_answers_404(client, published):
    evidence = published.evidence.get()
    for field in (evidence.file, evidence.thumbnail, evidence.public_copy):  # a lost volume
        field.storage.delete(field.name)
    response = client.get(reverse("evidence-file", args=[evidence.pk]))
    assert response.status_code == 404


def test_receipt_proof_is_never_public(client, login, published):
    url = reverse("receipt-proof", args=[published.receipts.get().pk])
    assert client.get(url).status_code == 302  # to the login page
    assert login(published.mahalla.clerks.get()).get(url).status_code == 200
    assert login(m.User.objects.get(username="dave")).get(url).status_code == 404
