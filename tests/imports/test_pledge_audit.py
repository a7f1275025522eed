"""Pledges are audited by one trigger per INSERT statement (a file of 100,000 pledges is one
statement): still one audit row per pledge, with the author; and imported pledges are listed
in their file's report from the pledges themselves."""

import datetime
import importlib
from decimal import Decimal

import pghistory
from django.db import connection

from matching import models as m
from matching.imports import run_import
from matching.imports.engine import report_rows

TODAY = datetime.date.today()
AUDITED = ["id", "project_id", "association_id", "amount", "currency", "expected_on", "status",
           "announced_by_id", "created_at"]


def pledges_csv(*rows) -> bytes:
    return "\n".join(["project,amount,currency,expected_on",
                      *(",".join(map(str, r)) for r in rows)]).encode()


def audit_of(pledge) -> list:
    return list(m.Pledge.pgh_event_model.objects.filter(pgh_obj_id=pledge.pk)
                .select_related("pgh_context"))


def assert_audits(pledge, event) -> None:
    """The audit row is the pledge as inserted, labelled 'insert'."""
    assert event.pgh_label == "insert"
    assert {f: getattr(event, f) for f in AUDITED} == {f: getattr(pledge, f) for f in AUDITED}


def test_each_imported_pledge_has_one_audit_row_naming_the_importer(world, client):
    a, b = world.submitted(), world.submitted(title="Second")
    batch, _ = run_import(kind="pledges", filename="p.csv", actor=world.alice, mode="all",
                          content=pledges_csv([a.code, "100.00", "RUB", TODAY.isoformat()],
                                              [b.code, "200", "USD", TODAY.isoformat()],
                                              [a.code, "300.50", "RUB", TODAY.isoformat()]))
    pledges = list(m.Pledge.objects.filter(import_batch=batch).order_by("import_line"))
    assert [(p.import_line, p.amount) for p in pledges] == [
        (2, Decimal("100.00")), (3, Decimal("200.00")), (4, Decimal("300.50"))]
    contexts = set()
    for pledge in pledges:
        [event] = audit_of(pledge)
        assert_audits(pledge, event)
        assert event.pgh_context.metadata["user"] == world.alice.pk
        assert event.pgh_context.metadata["service"] == "import_pledges"
        contexts.add(event.pgh_context_id)
    assert len(contexts) == 1  # the statement's context, looked up once
    # the audit API shows the imported pledge with its author, as before
    client.force_login(world.auditor)
    events = client.get(f"/api/v1/audit/?model=Pledge&object_id={pledges[1].pk}").json()
    assert [(e["action"], e["context"]["user"]) for e in events["results"]] == [
        ("insert", world.alice.pk)]


def test_a_pledge_through_the_service_still_gets_its_audit_row(world, client):
    project = world.submitted()
    client.force_login(world.migrant)
    answer = client.post("/api/v1/pledges/", {"project": project.pk, "amount": "100.00",
                                              "currency": "RUB", "expected_on": "2026-12-31"},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    pledge = m.Pledge.objects.get()
    [event] = audit_of(pledge)
    assert_audits(pledge, event)
    assert event.pgh_context.metadata["user"] == world.migrant.pk
    assert (pledge.import_batch, pledge.import_line, pledge.import_key) == (None, None, "")


def test_several_pledges_in_one_statement_each_get_an_audit_row(world):
    project = world.submitted()
    with pghistory.context(user=world.admin.pk, service="test"):
        made = m.Pledge.objects.bulk_create([
            m.Pledge(project=project, association=project.association, amount=amount,
                     currency="RUB", expected_on=TODAY, announced_by=world.admin)
            for amount in ("1.00", "2.00", "3.00")])
    for pledge in made:
        pledge.refresh_from_db()
        [event] = audit_of(pledge)
        assert_audits(pledge, event)
        assert event.pgh_context.metadata == {"user": world.admin.pk, "service": "test"}


def test_an_update_is_audited_but_an_insert_of_nothing_is_not(world):
    project = world.submitted()
    before = m.Pledge.pgh_event_model.objects.count()
    m.Pledge.objects.bulk_create([])
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO matching_pledge (project_id, association_id, amount, "
                       "currency, expected_on, status, announced_by_id, created_at) "
                       "SELECT project_id, association_id, amount, currency, expected_on, "
                       "status, announced_by_id, created_at FROM matching_pledge WHERE false")
    assert m.Pledge.pgh_event_model.objects.count() == before
    pledge = m.Pledge.objects.create(project=project, association=project.association,
                                     amount="5.00", currency="RUB", expected_on=TODAY,
                                     announced_by=world.admin)
    m.Pledge.objects.filter(pk=pledge.pk).update(status=m.PledgeStatus.WITHDRAWN)
    assert [e.pgh_label for e in m.Pledge.pgh_event_model.objects.filter(
        pgh_obj_id=pledge.pk).order_by("pgh_id")] == ["insert", "update"]


def test_the_report_lists_every_row_imported_or_not(world, client):
    a = world.submitted()
    day = TODAY.isoformat()
    content = pledges_csv([a.code, "100", "RUB", day], [a.code, "-5", "RUB", day],
                          [a.code, "100", "RUB", day], [a.code, "7", "RUB", day])
    batch, _ = run_import(kind="pledges", filename="p.csv", content=content, actor=world.alice,
                          mode=m.ImportMode.VALID_ROWS)
    pledges = {p.import_line: p.pk for p in m.Pledge.objects.filter(import_batch=batch)}
    assert [(line, outcome, object_id) for line, outcome, _e, object_id in report_rows(batch)] \
        == [(2, "created", pledges[2]), (3, "failed", None), (4, "failed", None),
            (5, "created", pledges[5])]
    client.force_login(world.alice)
    csv_lines = client.get(f"/imports/{batch.pk}/rows.csv").content.decode().splitlines()
    assert [line.split(",")[:2] for line in csv_lines[-4:]] == [
        ["2", "created"], ["3", "failed"], ["4", "failed"], ["5", "created"]]
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Same pledge as line 2" in page and "Must not be negative" in page
    # a second file with the same pledge skips it, and lists it
    again, _ = run_import(kind="pledges", filename="q.csv", actor=world.alice, mode="all",
                          content=pledges_csv([a.code, "100", "RUB", day],
                                              [a.code, "8", "RUB", day]))
    assert [(line, outcome) for line, outcome, _e, _o in report_rows(again)] == [
        (2, "skipped"), (3, "created")]


def test_the_migration_moves_earlier_imports_onto_their_pledges(world):
    """Imports made before migration 0008 kept a "created" report row per pledge."""
    backfill = importlib.import_module("matching.migrations.0008_pledge_import_fast").BACKFILL
    project = world.submitted()
    pledge = m.Pledge.objects.create(project=project, association=project.association,
                                     amount="5.00", currency="RUB", expected_on=TODAY,
                                     announced_by=world.alice)
    batch = m.ImportBatch.objects.create(kind="pledges", sha256="a" * 64, filename="old.csv",
                                         mode="valid", status="partial", rows_total=2,
                                         rows_created=1, rows_failed=1,
                                         uploaded_by=world.alice)
    m.ImportRow.objects.create(batch=batch, kind="pledges", line=2, outcome="created",
                               key="b" * 64, object_id=pledge.pk)
    m.ImportRow.objects.create(batch=batch, kind="pledges", line=3, outcome="failed",
                               errors={"amount": ["Must not be negative."]})
    audits = m.Pledge.pgh_event_model.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    pledge.refresh_from_db()
    assert (pledge.import_batch, pledge.import_line, pledge.import_key) == (batch, 2, "b" * 64)
    assert list(batch.rows.values_list("line", "outcome")) == [(3, "failed")]
    assert [(line, outcome) for line, outcome, _e, _o in report_rows(batch)] == [
        (2, "created"), (3, "failed")]
    assert m.Pledge.pgh_event_model.objects.count() == audits  # not a change of the pledge
