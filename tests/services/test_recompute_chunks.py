"""Correcting a chunk of drifted matches is set-based: the same statements for 2 projects as
for 6, and the same ledger entries, totals, bounds and match records as correcting each
project on its own (bench/README.md, "Re-matching")."""

from decimal import Decimal

import pghistory
import pghistory.models
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from matching import ledger
from matching import models as m
from matching import services
from matching.services.approvals import recompute_many_locked

# read the commitments, the totals, the versions, the top-ups; append the ledger entries;
# move the commitments' and the projects' totals; set the bounds; append the match records;
# read which funding projects are short
CHUNK_QUERIES = 10


def drifted_projects(world, count):
    """`count` approved projects with money in, each district match knocked one unit out of
    line (through the ledger, as a faulty import could leave it) and its bound forgotten."""
    projects = [world.approved(title=f"Pipe {n}", cost="1000000.00") for n in range(count)]
    for n, project in enumerate(projects):
        world.receipt(project, f"{200000 + 10000 * n}.00")
        commitment = project.commitments.get(role="district")
        ledger.post(project=project, kind="match", role="district", amount=Decimal("-1.00"),
                    actor=world.bob, commitment=commitment, memo="drift")
    m.Commitment.objects.filter(project__in=projects).update(bound_by="stale")
    return projects


def outcome(projects, since):
    """What the corrections wrote: the entries after `since`, every total, every bound and
    every new match record."""
    entries = sorted(m.LedgerEntry.objects.filter(project__in=projects, pk__gt=since)
                     .values_list("project_id", "commitment_id", "kind", "role", "amount",
                                  "currency", "memo", "created_by_id", "reverses_id"))
    commitments = sorted(m.Commitment.objects.filter(project__in=projects).values_list(
        "pk", "matched", "reserved", "disbursed", "bound_by"))
    totals = sorted(m.Project.objects.filter(pk__in=[p.pk for p in projects]).values_list(
        "pk", "received", "matched", "disbursed", "status"))
    records = sorted((r["project_id"], r["scheme_version_id"], r["reason"],
                      r["created_by_id"], repr(r["result"]))
                     for r in m.MatchRecord.objects.filter(project__in=projects,
                                                           reason="recomputed")
                     .values("project_id", "scheme_version_id", "reason", "created_by_id",
                             "result"))
    return entries, commitments, totals, records


def correct_together(projects, actor):
    with transaction.atomic(), pghistory.context(user=actor.pk, service="test"):
        locked = list(m.Project.objects.select_for_update().filter(
            pk__in=[p.pk for p in projects]).order_by("pk"))
        with CaptureQueriesContext(connection) as captured:
            recompute_many_locked(locked, actor=actor, reason="recomputed")
    return len(captured.captured_queries)


def test_a_chunk_of_corrections_takes_the_same_queries_whatever_its_size(world):
    small, large = drifted_projects(world, 2), drifted_projects(world, 6)
    assert correct_together(small, world.admin) == CHUNK_QUERIES
    assert correct_together(large, world.admin) == CHUNK_QUERIES
    assert set(m.Commitment.objects.filter(project__in=small + large, role="district")
               .values_list("bound_by", flat=True)) != {"stale"}
    assert ledger.verify() == []


def test_a_chunk_corrects_exactly_as_one_by_one_and_audits_its_actor(world):
    projects = drifted_projects(world, 5)
    since = m.LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first()

    class Undo(Exception):
        pass

    try:
        with transaction.atomic():
            for project in projects:
                services.match_recompute(project=project, actor=world.admin,
                                         reason="recomputed")
            one_by_one = outcome(projects, since)
            raise Undo
    except Undo:
        pass
    correct_together(projects, world.admin)
    together = outcome(projects, since)

    assert together == one_by_one
    entries, commitments, _totals, records = together
    # one correcting entry (+1.00) per drifted district commitment, one record per project
    assert [(e[2], e[3], e[4]) for e in entries] == [("match", "district", Decimal("1.00"))] * 5
    assert len(records) == 5
    assert "stale" not in {c[4] for c in commitments}
    assert ledger.verify() == []
    # every corrected commitment and project has its update in the audit trail, with the
    # actor who corrected it (the update triggers run once a statement)
    for project in projects:
        for tracked in (project, project.commitments.get(role="district")):
            event = (pghistory.models.Events.objects.tracks(tracked)
                     .filter(pgh_label="update").order_by("-pgh_created_at", "-pgh_id")
                     .first())
            assert event.pgh_context["user"] == world.admin.pk
            assert event.pgh_context["service"] == "test"
