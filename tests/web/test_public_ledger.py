"""The public ledger of a project: every movement with its date, amount, currency and party,
no memo, bank reference or person; its sums equal the funding waterfall and the ledger itself,
for a project through every kind of movement and for every project of the demo programme."""

import csv
import io
import json
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse

from matching import ledger, public_ledger
from matching import models as m
from matching import services
from matching.waterfall import waterfall

from .conftest import png

RECEIVED = ("receipt", "refund")
DISBURSED = ("disbursement", "clawback")


def _json(client, project):
    response = client.get(reverse("public-ledger-json", args=[project.code]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return json.loads(response.content)


def _csv(client, project):
    response = client.get(reverse("public-ledger-csv", args=[project.code]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _sums(rows) -> dict[tuple[str, str], Decimal]:
    sums = defaultdict(Decimal)
    for row in rows:
        sums[(row["party_role"], row["kind"])] += Decimal(row["amount"])
    return sums


def assert_ledger_agrees(client, project) -> int:
    """The public ledger (JSON and CSV) against the waterfall and the ledger table; returns
    how many entries it compared."""
    project.refresh_from_db()
    data, rows = _json(client, project), _csv(client, project)
    entries = data["entries"]
    assert [int(r["entry"]) for r in rows] == [e["entry"] for e in entries]
    sums = _sums(entries)
    assert sums == _sums(rows)
    # the totals it publishes are the sums of the entries it publishes
    for role, kinds in data["totals"].items():
        for kind, total in kinds.items():
            assert Decimal(total) == sums[(role, kind)], (project.code, role, kind)
    # ... and of the ledger table itself
    stored = {(r["role"], r["kind"]): r["total"] for r in m.LedgerEntry.objects.filter(
        project=project).values("role", "kind").annotate(total=Sum("amount"))}
    assert {k: v for k, v in sums.items() if v or k in stored} == stored

    def total(role, kinds):
        return sum((sums[(role, k)] for k in kinds), Decimal("0"))

    # ... and of the funding waterfall, party by party
    for row in waterfall(project):
        assert total(row.role, ["match"]) == row.matched, (project.code, row.role)
        assert total(row.role, DISBURSED) == row.disbursed, (project.code, row.role)
        if row.role == "association":
            assert total(row.role, RECEIVED) == row.received == project.received
        else:
            assert total(row.role, ["reservation"]) == row.reserved, (project.code, row.role)
    roles = {role for role, _kind in sums}
    assert sum((total(r, ["match"]) for r in roles if r != "association"),
               Decimal("0")) == project.matched
    assert sum((total(r, DISBURSED) for r in roles), Decimal("0")) == project.disbursed
    assert all(e["currency"] == project.currency for e in entries)
    # the final accounting, summed from the same entries, agrees with the waterfall too
    accounts = {a.role: a for a in public_ledger.accounts(public_ledger.entries(project))}
    for row in waterfall(project):
        account = accounts.get(row.role)
        if account is None:  # a party that no entry ever moved
            assert (row.matched, row.disbursed, row.reserved) == (0, 0, 0), row
            continue
        assert account.disbursed == row.disbursed, (project.code, row.role)
        if row.role == "association":
            assert account.put_in - account.given_back == row.received
        else:
            assert account.put_in - account.given_back == row.reserved, (project.code, row.role)
    return len(entries)


@pytest.fixture
def eventful(world, settings):
    """A project through every kind of movement: receipts (one reversed, one refunded), a fee,
    matches, a disbursement, a clawback, then cancellation (releases and a refund)."""
    project = world.approved(title="Navbahor drinking water")
    world.receipt(project, "6000000.00", reference="BANK-REF-7731")
    wrong = world.receipt(project, "1000000.00", reference="BANK-REF-WRONG")
    back = world.receipt(project, "2000000.00", reference="BANK-REF-BACK", fee="40000.00")
    services.receipt_reverse(receipt=wrong, actor=world.bob, reason="Typed twice by Malika")
    services.receipt_refund(receipt=back, actor=world.bob, reason="Sent to the wrong club")
    evidence = services.evidence_add(project=project, actor=world.bob, kind="photo", file=png())
    tranche = m.Tranche.objects.get(commitment__project=project, commitment__role="district",
                                    number=1)
    services.tranche_disburse(tranche=tranche, actor=world.bob, evidence=evidence,
                              amount="3000000.00")
    finding = world.evidence(project, "other", actor=world.bob)
    services.clawback_record(tranche=tranche, actor=world.bob, amount="500000.00",
                             reason="Pipe length inflated, per the inspector Karimov",
                             evidence=finding)
    return project


def test_every_kind_of_movement_is_published_and_adds_up(client, world, eventful):
    assert_ledger_agrees(client, eventful)
    kinds = {e["kind"] for e in _json(client, eventful)["entries"]}
    assert kinds >= {"receipt", "fee", "refund", "match", "reservation", "disbursement",
                     "clawback"}
    corrections = [e for e in _json(client, eventful)["entries"] if e["reverses_entry"]]
    assert corrections and all("Correction" in e["description"] for e in corrections)

    services.project_cancel(project=eventful, actor=world.bob, reason="The mahalla withdrew")
    count = assert_ledger_agrees(client, eventful)
    released = [e for e in _json(client, eventful)["entries"]
                if e["kind"] == "reservation" and Decimal(e["amount"]) < 0]
    assert released and released[0]["description"] == "Released back to the funder's budget"
    assert released[0]["party"] == "Chirchiq hokimiyati"
    assert count == m.LedgerEntry.objects.filter(project=eventful).count()


def test_the_public_ledger_names_no_person_memo_or_bank_reference(client, world, eventful):
    services.project_cancel(project=eventful, actor=world.bob, reason="The mahalla withdrew")
    bodies = [client.get(reverse(name, args=[eventful.code])).content.decode("utf-8-sig")
              for name in ("public-ledger-json", "public-ledger-csv", "public-project")]
    for body in bodies:
        for private in ("BANK-REF", "Malika", "Karimov", "wrong club", "alice", "bob",
                        "Typed twice", "Receipt "):
            assert private not in body, private


def test_the_page_shows_the_ledger_and_a_cancelled_project_its_final_accounting(
        client, world, eventful):
    html = client.get(reverse("public-project", args=[eventful.code])).content.decode()
    assert "Every movement of money" in html and "Paid to the executor" in html
    assert reverse("public-ledger-csv", args=[eventful.code]) in html
    assert "Final accounting" not in html  # still open
    services.project_cancel(project=eventful, actor=world.bob, reason="The mahalla withdrew")
    html = client.get(reverse("public-project", args=[eventful.code])).content.decode()
    assert "Final accounting" in html and "The project was cancelled" in html
    # the district reserved 20,000,000, paid 2,500,000 net, and got 17,500,000 back
    assert "20,000,000.00\xa0UZS" in html and "17,500,000.00\xa0UZS" in html


def test_a_draft_has_no_public_ledger(client, world):
    draft = world.project()
    for name in ("public-ledger-json", "public-ledger-csv"):
        assert client.get(reverse(name, args=[draft.code])).status_code == 404


@pytest.mark.slow
def test_the_public_ledger_of_every_demo_project_equals_its_waterfall_and_ledger(client, db):
    from matching.demo.seed import seed

    seed()
    projects = list(m.Project.objects.public())
    assert len(projects) >= 10
    compared = sum(assert_ledger_agrees(client, p) for p in projects)
    assert compared == m.LedgerEntry.objects.filter(project__in=projects).count() > 0
    assert ledger.verify() == []
    closed = m.Project.objects.get(status="closed")
    html = client.get(reverse("public-project", args=[closed.code])).content.decode()
    assert "Final accounting" in html


def test_the_project_page_costs_the_same_queries_whatever_its_ledger_and_complaints(
        client, world, eventful):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("public-project", args=[eventful.code])).status_code \
                == 200
        return len(captured)

    before = queries()
    for n in range(5):
        world.receipt(eventful, "100000.00", reference=f"MORE-{n}")
        services.complaint_file(actor=None, project=eventful, category="other",
                                text=f"Thank you for the water, number {n}.")
    assert m.LedgerEntry.objects.filter(project=eventful).count() > 20
    assert queries() == before
