"""The officers' work and the association's view through the API: flows, bad input (400 with
the field, 409 with the reason, never a 500), Idempotency-Key replays, the permission matrix
(eight roles, own and another tenant's objects, out of scope answering as missing) and query
counts on the new lists."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import ledger
from matching import models as m
from matching import services

from .. import factories as f
from ..services.officer_helpers import capped, committee, in_review, second_officer_above

S = m.ProjectStatus
D = Decimal
TODAY = datetime.date.today()


def pdf(name="act.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 evidence", content_type="application/pdf")


def errors(response) -> dict:
    """{field or None: code} of a standardized error body."""
    return {e["attr"]: e["code"] for e in response.json()["errors"]}


def post(client, path, data=None, **kwargs):
    return client.post(path, data or {}, format=kwargs.pop("format", "json"), **kwargs)


# --- flows ---------------------------------------------------------------------------------

def test_a_district_scripts_a_decision_above_the_threshold_and_its_confirmation(world, as_user):
    second_officer_above(world)
    project = world.submitted()
    bob, erin = as_user(world.bob), as_user(world.erin)
    assert post(bob, f"/api/v1/projects/{project.pk}/review/").json()["status"] == "under_review"
    response = post(bob, f"/api/v1/projects/{project.pk}/decision/",
                    {"decision": "approved", "reason": "Clean water"})
    assert response.status_code == 200
    pending = response.json()["pending_decision"]
    assert pending and response.json()["status"] == "under_review"
    refused = post(bob, f"/api/v1/decisions/{pending}/confirm/")
    assert refused.status_code == 409 and errors(refused) == {None: "four_eyes"}
    confirmed = post(erin, f"/api/v1/decisions/{pending}/confirm/", {"reason": "Checked"})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["proposed_by"] == "bob" and confirmed.json()["resolved_by"] == "erin"
    timeline = as_user(world.migrant).get(f"/api/v1/projects/{project.pk}/timeline/").json()
    approval = next(c for c in timeline["changes"] if c["to_status"] == "approved")
    assert (approval["actor"], approval["confirmed_by"], approval["reason"]) == (
        "bob", "erin", "Clean water")


def test_a_gap_is_topped_up_through_the_api_and_the_association_reads_the_match(world, as_user):
    capped(world)
    funder = committee(world)
    project = in_review(world)
    bob, migrant = as_user(world.bob), as_user(world.migrant)
    gap = migrant.get(f"/api/v1/projects/{project.pk}/match/").json()
    assert gap["gap"] == "5000000.00" and gap["computed_at"] is None
    assert {line["role"]: line["bound_by"] for line in gap["lines"]}["district"] == "cap"
    response = post(bob, "/api/v1/top-ups/", {"project": project.pk, "funder": funder.pk,
                                              "amount": "3000000.00", "reason": "Letter 12"})
    assert response.status_code == 201 and response.json()["funder_name"] == funder.name
    raised = post(migrant, "/api/v1/top-ups/", {"project": project.pk, "funder": None,
                                                "amount": "2000000.00", "reason": "Board"})
    assert raised.status_code == 201 and raised.json()["funder"] is None
    too_much = post(migrant, "/api/v1/top-ups/", {"project": project.pk, "amount": "1.00",
                                                  "reason": "More"})
    assert too_much.status_code == 409 and errors(too_much) == {"funder": "duplicate_top_up"}
    assert post(bob, f"/api/v1/projects/{project.pk}/decision/",
                {"decision": "approved", "reason": "Covered"}).json()["status"] == "funding"
    match = migrant.get(f"/api/v1/projects/{project.pk}/match/").json()
    assert match["gap"] == "0.00" and match["scheme_version"] == 2
    lines = {line["role"]: line for line in match["lines"]}
    assert lines["association"]["target"] == "22000000.00"
    assert [line for line in match["lines"] if line["top_up"]][0]["target"] == "3000000.00"
    assert any("Top-up by Navbahor mahalla committee" in s for s in match["steps"])
    assert ledger.verify() == []


def test_works_money_and_closing_through_the_api(world, as_user):
    project = world.approved()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="250000.00",
                                    currency="RUB", expected_on=TODAY)
    receipt = world.receipt(project, "20000000.00")
    bob, alice, migrant = as_user(world.bob), as_user(world.alice), as_user(world.migrant)
    started = alice.post(f"/api/v1/projects/{project.pk}/start/", {
        "executor": "Suv Qurilish", "executor_kind": "contractor", "amount": "39000000.00",
        "signed_on": TODAY.isoformat(), "document": pdf("contract.pdf")}, format="multipart")
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    tranches = migrant.get(f"/api/v1/tranches/?project={project.pk}").json()["results"]
    district = next(t for t in tranches if t["role"] == "district" and t["number"] == 1)
    paid = bob.post(f"/api/v1/tranches/{district['id']}/disburse/", {"file": pdf()},
                    format="multipart", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert paid.status_code == 200 and paid.json()["disbursed"] == "8000000.00"
    again = bob.post(f"/api/v1/tranches/{district['id']}/disburse/", {"file": pdf()},
                     format="multipart", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert m.LedgerEntry.objects.filter(kind="disbursement").count() == 1
    clawed = post(bob, f"/api/v1/tranches/{district['id']}/clawback/", {
        "amount": "1000000.00", "reason": "Inflated", "evidence": paid.json()["evidence"]})
    assert clawed.status_code == 200 and clawed.json()["disbursed"] == "7000000.00"
    refused = post(bob, f"/api/v1/receipts/{receipt.pk}/refund/", {"reason": "Back"})
    assert refused.status_code == 409 and errors(refused) == {None: "already_disbursed"}
    # completion is the clerk's, with the handover act and the committee's sign-off
    services.evidence_add(project=project, actor=world.alice, kind="handover_act", file=pdf())
    assert post(bob, f"/api/v1/projects/{project.pk}/complete/").status_code == 403
    world.signed_off(project)
    completed = post(as_user(world.alice), f"/api/v1/projects/{project.pk}/complete/")
    assert completed.status_code == 200 and completed.json()["status"] == "completed"
    closed = post(bob, f"/api/v1/projects/{project.pk}/close/", {"reason": "Accepted"},
                  HTTP_IDEMPOTENCY_KEY="close-1")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    replay = post(bob, f"/api/v1/projects/{project.pk}/close/", {"reason": "Accepted"},
                  HTTP_IDEMPOTENCY_KEY="close-1")
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    twice = post(bob, f"/api/v1/projects/{project.pk}/close/", {"reason": "Accepted"})
    assert twice.status_code == 409 and errors(twice) == {None: "transition_not_allowed"}
    accounts = migrant.get(f"/api/v1/projects/{project.pk}/accounting/").json()
    assert accounts["closed"] and accounts["released"] == "13000000.00"
    assert accounts["unspent"] == "20000000.00"  # the association's tranches were not paid
    pledges = migrant.get(f"/api/v1/pledges/?project={project.pk}").json()["results"]
    assert pledges[0]["id"] == pledge.pk and pledges[0]["missing"] == "250000.00"
    assert ledger.verify() == []


@pytest.mark.parametrize("undo", ["refund", "reverse"])
def test_an_officer_refunds_or_reverses_a_receipt_once(world, as_user, undo):
    project = world.approved()
    receipt = world.receipt(project, "6000000.00")
    bob = as_user(world.bob)
    path = f"/api/v1/receipts/{receipt.pk}/{undo}/"
    missing = post(bob, path, {})
    assert missing.status_code == 400 and errors(missing) == {"reason": "required"}
    done = post(bob, path, {"reason": "Sent twice"}, HTTP_IDEMPOTENCY_KEY="u-1")
    assert done.status_code == 200
    assert done.json()["status"] == ("refunded" if undo == "refund" else "reversed")
    assert post(bob, path, {"reason": "Sent twice"}, HTTP_IDEMPOTENCY_KEY="u-1")[
        "Idempotent-Replayed"] == "true"
    assert post(bob, path, {"reason": "Sent twice"}).status_code == 409
    assert m.Project.objects.get(pk=project.pk).received == 0
    assert ledger.verify() == []


def test_the_association_withdraws_its_pledge_once(world, as_user):
    pledge = services.pledge_create(project=world.submitted(), actor=world.migrant,
                                    amount="100.00", currency="RUB", expected_on=TODAY)
    migrant = as_user(world.migrant)
    response = post(migrant, f"/api/v1/pledges/{pledge.pk}/withdraw/")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["withdrawn_at"]
    again = post(migrant, f"/api/v1/pledges/{pledge.pk}/withdraw/")
    assert again.status_code == 409 and errors(again) == {None: "already_withdrawn"}


# --- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("path, data, field", [
    ("projects/{p}/decision/", {"decision": "fund_my_cousin", "reason": "x"}, "decision"),
    ("projects/{p}/decision/", {"decision": "approved"}, "reason"),
    ("projects/{p}/decision/", {"decision": "conditionally_approved", "reason": "x"},
     "conditions"),
    ("projects/{p}/suspend/", {"reason": ""}, "reason"),
    ("projects/{p}/cancel/", {}, "reason"),
    ("projects/{p}/conditions-met/", {"reason": "x"}, "evidence"),
    ("projects/{p}/conditions-met/", {"reason": "x", "evidence": 2**31 - 7}, "evidence"),
    ("projects/{p}/start/", {"executor": "X", "executor_kind": "contractor",
                             "amount": "-1", "signed_on": "2026-01-01"}, "amount"),
    ("top-ups/", {"project": "{p}", "amount": "lots", "reason": "x"}, "amount"),
    ("top-ups/", {"project": "{p}", "amount": "1.00", "reason": "x", "funder": "x"},
     "funder"),
    ("top-ups/", {"project": 2**31 - 7, "amount": "1.00", "reason": "x"}, "project"),
], ids=["decision", "no-reason", "no-conditions", "blank-reason", "cancel-no-reason",
        "no-evidence", "missing-evidence", "negative-contract", "amount-text", "funder-text",
        "missing-project"])
def test_bad_input_is_a_400_naming_its_field_and_changes_nothing(world, as_user, path, data,
                                                                   field):
    project = in_review(world)
    data = {k: (project.pk if v == "{p}" else v) for k, v in data.items()}
    entries, changes = m.LedgerEntry.objects.count(), m.StatusChange.objects.count()
    response = post(as_user(world.bob), "/api/v1/" + path.format(p=project.pk), data)
    assert response.status_code == 400, response.content
    assert field in errors(response)
    assert (m.LedgerEntry.objects.count(), m.StatusChange.objects.count()) == (entries, changes)
    assert not m.TopUp.objects.exists() and not m.PendingDecision.objects.exists()


def test_a_service_refusal_on_a_field_is_a_409_naming_it(world, as_user):
    capped(world)
    project = in_review(world)
    response = post(as_user(world.bob), "/api/v1/top-ups/", {
        "project": project.pk, "funder": f.FunderFactory(kind="sponsor").pk,
        "amount": "1.00", "reason": "x"})
    assert response.status_code == 409 and errors(response) == {"funder": "forbidden"}


def test_a_file_that_is_not_a_document_is_refused_on_its_field(world, as_user):
    project = world.approved()
    world.receipt(project, "20000000.00")
    response = as_user(world.bob).post(f"/api/v1/projects/{project.pk}/start/", {
        "executor": "X", "executor_kind": "contractor", "amount": "10.00",
        "signed_on": TODAY.isoformat(),
        "document": SimpleUploadedFile("c.exe", b"MZ\x90\x00")}, format="multipart")
    assert response.status_code == 400 and "document" in errors(response)
    assert not m.Contract.objects.exists()


# --- the permission matrix -----------------------------------------------------------------

ROLES = ["clerk", "officer", "other officer", "administrator", "association",
         "other association", "auditor", "anonymous"]


def users(world):
    region = f.RegionFactory(country=world.country, name="Samarqand")
    return {"clerk": world.alice, "officer": world.bob, "other officer": world.dave,
            "administrator": f.UserFactory(username="samarqand-admin",
                                           role=m.Role.ADMINISTRATOR, region=region),
            "association": world.migrant, "other association": world.stranger,
            "auditor": world.auditor, "anonymous": None}


@pytest.fixture
def objects(world):
    second_officer_above(world, "50000000.00")
    project = world.approved()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="10.00",
                                    currency="RUB", expected_on=TODAY)
    receipt = world.receipt(project, "20000000.00")
    tranche = m.Tranche.objects.filter(commitment__project=project).first()
    big = in_review(world, cost="60000000.00", title="Big")
    pending = services.decision_record(project=big, actor=world.bob, decision="rejected",
                                       reason="Too dear")
    top_up = m.TopUp.objects.create(project=big, amount=D("1.00"), reason="x",
                                    recorded_by=world.bob)
    return {"project": project, "pledge": pledge, "receipt": receipt, "tranche": tranche,
            "pending": pending, "top_up": top_up}


READS = {
    "match": "/api/v1/projects/{project}/match/",
    "accounting": "/api/v1/projects/{project}/accounting/",
    "tranche": "/api/v1/tranches/{tranche}/",
    "decision": "/api/v1/decisions/{pending}/",
    "top-up": "/api/v1/top-ups/{top_up}/",
}
#           clerk officer other-officer admin association other-association auditor anonymous
READ_OWN = [200, 200, 404, 404, 200, 404, 200, 401]

# POSTs by everyone but those who may act (they would change the state); `data` is valid
WRITES = {
    "suspend": ("/api/v1/projects/{project}/suspend/", {"reason": "x"},
                [403, None, 404, 404, 403, 404, 403, 401]),
    "cancel": ("/api/v1/projects/{project}/cancel/", {"reason": "x"},
               [None, None, 404, 404, 403, 404, 403, 401]),
    "close": ("/api/v1/projects/{project}/close/", {}, [403, None, 404, 404, 403, 404, 403, 401]),
    "clawback": ("/api/v1/tranches/{tranche}/clawback/",
                 {"amount": "1.00", "reason": "x", "evidence": None},
                 [None, None, 404, 404, None, 404, 403, 401]),
    "refund": ("/api/v1/receipts/{receipt}/refund/", {"reason": "x"},
               [403, None, 404, 404, 403, 404, 403, 401]),
    "withdraw pledge": ("/api/v1/pledges/{pledge}/withdraw/", {},
                        [None, 403, 404, 404, None, 404, 403, 401]),
    "confirm": ("/api/v1/decisions/{pending}/confirm/", {},
                [403, None, 404, 404, 403, 404, 403, 401]),
    # the association may withdraw its own raise, but not while a decision waits
    "withdraw top-up": ("/api/v1/top-ups/{top_up}/withdraw/", {},
                        [403, None, 404, 404, 409, 404, 403, 401]),
}


def _client(as_user, user):
    return as_user(user)


def test_reads_answer_each_role_within_its_scope(world, objects, as_user):
    people = users(world)
    for name, template in READS.items():
        path = template.format(**{k: v.pk for k, v in objects.items()})
        got = [as_user(people[role]).get(path).status_code for role in ROLES]
        assert got == READ_OWN, f"{name}: {dict(zip(ROLES, got))}"
        # out of scope reads exactly like a missing id
        missing = as_user(world.dave).get(template.format(**{k: 2**31 - 7 for k in objects}))
        assert missing.status_code == 404


def test_writes_by_those_who_may_not_act_change_nothing(world, objects, as_user):
    people = users(world)
    entries = m.LedgerEntry.objects.count()
    wrong = []
    for name, (template, data, expected) in WRITES.items():
        path = template.format(**{k: v.pk for k, v in objects.items()})
        for role, status in zip(ROLES, expected):
            if status is None:
                continue
            got = post(as_user(people[role]), path, data).status_code
            if got != status:
                wrong.append(f"{name} by {role}: {got}, expected {status}")
    assert not wrong, wrong
    assert m.LedgerEntry.objects.count() == entries
    assert m.Project.objects.get(pk=objects["project"].pk).status == S.FUNDED
    assert m.Pledge.objects.get(pk=objects["pledge"].pk).status == "announced"
    assert m.PendingDecision.objects.get(pk=objects["pending"].pk).status == "pending"
    assert m.TopUp.objects.get(pk=objects["top_up"].pk).status == "offered"


LISTS = {"/api/v1/tranches/": "tranche", "/api/v1/decisions/": "pending",
         "/api/v1/top-ups/": "top_up", "/api/v1/pledges/": "pledge"}


def test_lists_never_show_another_tenants_records(world, objects, as_user):
    # district B's project of the same association: dave's, the migrant's and the auditor's
    other = world.approved(mahalla=world.mahalla_b, title="Bekobod pipe")
    foreign = {"tranche": m.Tranche.objects.filter(commitment__project=other).first().pk}
    people = users(world)
    for path, kind in LISTS.items():
        for role in ROLES:
            response = as_user(people[role]).get(path)
            if role == "anonymous":
                assert response.status_code == 401
                continue
            assert response.status_code == 200, (path, role)
            ids = {row["id"] for row in response.json()["results"]}
            own_visible = role in ("clerk", "officer", "association", "auditor")
            assert (objects[kind].pk in ids) == own_visible, (path, role)
            if kind in foreign:
                sees = role in ("other officer", "association", "auditor")
                assert (foreign[kind] in ids) == sees, (path, role)


@pytest.mark.parametrize("path", list(LISTS))
def test_new_lists_read_as_many_queries_for_many_rows_as_for_few(world, as_user, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    second_officer_above(world, "1.00")
    client = as_user(world.auditor)

    def add(n):
        for i in range(n):
            project = in_review(world, title=f"P{i}-{m.Project.objects.count()}")
            m.TopUp.objects.create(project=project, amount=D("1.00"), reason="x",
                                   recorded_by=world.bob)
            services.pledge_create(project=project, actor=world.migrant, amount="1.00",
                                   currency="RUB", expected_on=TODAY)
            services.decision_record(project=project, actor=world.bob, decision="rejected",
                                     reason="x")
            m.Tranche.objects.create(
                commitment=m.Commitment.objects.create(
                    project=project, role="district", target=D("1.00"),
                    funder=world.envelope_a.funder,
                    scheme_version=world.scheme.versions.latest("number")),
                number=1, due_on=TODAY, amount=D("1.00"))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    add(1)
    few = queries()
    add(4)
    assert queries() == few <= 8
