"""A large generated programme for benchmarks: `seed_demo --projects 100000`.

Rows are streamed with PostgreSQL COPY (about 3 million rows, a million of them ledger
entries) with explicit ids, and every cached total is computed alongside its ledger entries,
so `verify_ledger` passes on the result. This synthetic data is nobody's action, so the load
skips the audit triggers (session_replication_role = replica, where the role may set it).
"""

import datetime
import io
import random
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from .. import models as m
from .. import regional_totals
from ..rules import split

BENCH_SCHEME = "bench-1x1"
EXTRA_MAHALLAS = 30  # per demo district, so reports have many rows to group
CENT = Decimal("0.01")
# status and how far the money went: (status, share of projects)
MIX = [("draft", 4), ("submitted", 5), ("under_review", 6), ("funding", 35), ("funded", 20),
       ("in_progress", 20), ("completed", 10)]


class Table:
    """Rows for one COPY, with ids handed out from the table's own sequence range."""

    def __init__(self, model, columns: list[str], start: int):
        self.model, self.columns, self.next_id = model, ["id", *columns], start
        self.buffer = io.StringIO()
        self.count = 0

    def add(self, *values) -> int:
        row_id = self.next_id
        self.next_id += 1
        self.buffer.write("\t".join(_text(v) for v in (row_id, *values)) + "\n")
        self.count += 1
        return row_id

    def flush(self, cursor) -> None:
        table = self.model._meta.db_table
        with cursor.copy(f"COPY {table} ({', '.join(self.columns)}) FROM STDIN") as copy:
            copy.write(self.buffer.getvalue())
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                       [self.next_id])
        self.buffer = io.StringIO()


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def _start(cursor, model) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
    return cursor.fetchone()[0]


def _bench_world():
    """The bench scheme, extra mahallas, and a generous envelope per district (the demo's
    districts: those with a funder)."""
    uz = m.Country.objects.get(code="UZ")
    admin = m.User.objects.get(username="admin")
    scheme, created = m.Scheme.objects.get_or_create(
        code=BENCH_SCHEME, defaults={"name": "1x1 benchmark programme", "country": uz,
                                     "currency": "UZS", "fiscal_year": timezone.localdate().year})
    if created:
        m.SchemeParty.objects.create(scheme=scheme, role="association", weight=1, position=0)
        m.SchemeParty.objects.create(scheme=scheme, role="district", weight=1, position=1)
    from ..services import scheme_publish

    version = scheme_publish(scheme=scheme, actor=admin)
    envelopes = {}
    for district in m.District.objects.filter(region__country=uz, funder__isnull=False):
        m.Mahalla.objects.bulk_create(
            [m.Mahalla(district=district, name=f"{district.name} {i:03d}", kind="mahalla",
                       population=2000 + 37 * i, population_year=2026,
                       population_source="generated for benchmarks")
             for i in range(1, EXTRA_MAHALLAS + 1)], ignore_conflicts=True)
        envelopes[district.pk], _ = m.BudgetEnvelope.objects.get_or_create(
            funder=district.funder, scheme=scheme,
            defaults={"amount": Decimal("100000000000000.00")})
    mahallas = list(m.Mahalla.objects.filter(district_id__in=list(envelopes))
                    .order_by("pk").values_list("pk", "district_id"))
    associations = list(m.MigrantAssociation.objects.values_list("pk", flat=True))
    return scheme, version, admin, envelopes, mahallas, associations


def generate(count: int, *, progress=print, seed: int = 42) -> int:
    """Add `count` projects to the bench scheme (on top of any generated before)."""
    rnd = random.Random(seed + m.Project.objects.filter(scheme__code=BENCH_SCHEME).count())
    scheme, version, admin, envelopes, mahallas, associations = _bench_world()
    today = timezone.localdate()
    statuses = [s for s, weight in MIX for _ in range(weight)]
    with transaction.atomic(), connection.cursor() as cursor:
        replica = True
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # not a superuser: load with the audit triggers on
            progress("loading with audit triggers on (no superuser)")
            replica = False
        t = {name: Table(model, cols, _start(cursor, model)) for name, model, cols in [
            ("project", m.Project, ["code", "title", "description", "mahalla_id",
                                    "association_id", "scheme_id", "scheme_version_id",
                                    "category", "cost", "currency", "executor", "executor_kind",
                                    "status", "deadline", "conditions", "created_by_id",
                                    "submitted_by_id", "submitted_at", "decided_at", "received",
                                    "matched", "disbursed", "created_at", "updated_at"]),
            ("change", m.StatusChange, ["project_id", "from_status", "to_status", "reason",
                                        "actor_id", "at"]),
            ("pledge", m.Pledge, ["project_id", "association_id", "amount", "currency",
                                  "expected_on", "status", "announced_by_id", "created_at"]),
            ("receipt", m.Receipt, ["project_id", "association_id", "received_on", "amount",
                                    "currency", "rate", "rate_entered_by_hand", "converted",
                                    "fee", "reference", "proof", "status", "recorded_by_id",
                                    "recorded_at"]),
            ("commitment", m.Commitment, ["project_id", "role", "funder_id", "envelope_id",
                                          "scheme_version_id", "position", "target", "matched",
                                          "reserved", "disbursed", "bound_by", "computed_at"]),
            ("tranche", m.Tranche, ["commitment_id", "number", "due_on", "amount", "disbursed",
                                    "paid_on"]),
            ("entry", m.LedgerEntry, ["project_id", "kind", "role", "amount", "currency",
                                      "original_amount", "original_currency", "receipt_id",
                                      "commitment_id", "envelope_id", "tranche_id", "memo",
                                      "created_by_id", "created_at"]),
        ]}
        now = timezone.now()
        first_project = t["project"].next_id
        for n in range(count):
            _one(t, rnd, n, scheme, version, admin, envelopes, mahallas, associations,
                 statuses, today, now)
            if (n + 1) % 20000 == 0:
                progress(f"  {n + 1} projects")
        for name in ("project", "change", "pledge", "receipt", "commitment", "tranche", "entry"):
            t[name].flush(cursor)
        progress(f"  {t['entry'].count} ledger entries")
        cursor.execute("""
            UPDATE matching_budgetenvelope e SET reserved = s.reserved, disbursed = s.disbursed
            FROM (SELECT envelope_id,
                         coalesce(sum(amount) FILTER (WHERE kind = 'reservation'), 0) reserved,
                         coalesce(sum(amount) FILTER (WHERE kind IN ('disbursement', 'clawback')),
                                  0) disbursed
                  FROM matching_ledgerentry WHERE envelope_id IS NOT NULL GROUP BY envelope_id) s
            WHERE e.id = s.envelope_id""")
        if replica:  # the regional summary rows of the new projects: their triggers were off
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            regional_totals.add_loaded_projects(cursor, first_project)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return count


def _one(t, rnd, n, scheme, version, admin, envelopes, mahallas, associations, statuses,
         today, now) -> None:
    mahalla_id, district_id = rnd.choice(mahallas)
    association_id = rnd.choice(associations)
    status = rnd.choice(statuses)
    cost = Decimal(rnd.randrange(10_000, 900_000)) * 1000
    approved = status in ("funding", "funded", "in_progress", "completed")
    half = (cost / 2).quantize(CENT)
    # money: receipts in RUB at 151.40; funded and later projects are fully matched
    receipts = []
    if approved:
        want = half if status != "funding" else (half * Decimal(rnd.randrange(10, 90)) / 100)
        rub = (want / Decimal("151.40")).quantize(CENT) + CENT
        first = (rub * Decimal(rnd.randrange(30, 70)) / 100).quantize(CENT)
        receipts = [first, rub - first]
    converted = [(r * Decimal("151.40")).quantize(CENT) for r in receipts]
    received = sum(converted, Decimal("0"))
    effective = min(received, half)
    parts = split(half, [Decimal("0.4"), Decimal("0.4"), Decimal("0.2")], "UZS")
    paid = parts[0] if status in ("in_progress", "completed") else Decimal("0")
    created = now - datetime.timedelta(days=rnd.randrange(1, 700), seconds=n)
    project_id = t["project"].add(
        f"BENCH-{t['project'].next_id:07d}", f"Generated project {n}", "", mahalla_id,
        association_id, scheme.pk, version.pk if approved else None,
        rnd.choice(m.Category.values), cost, "UZS", "Contractor", "contractor", status,
        today + datetime.timedelta(days=rnd.randrange(-60, 400)), "", admin.pk,
        admin.pk if status != "draft" else None, created if status != "draft" else None,
        created if approved else None, received, effective if approved else 0, paid * 2,
        created, created)
    previous = ""
    path = ["draft", "submitted", "under_review", "approved", "funding", "funded",
            "in_progress", "completed"]
    for step in path[:path.index(status) + 1] if status in path else [status]:
        t["change"].add(project_id, previous, step, "", admin.pk, created)
        previous = step
    t["pledge"].add(project_id, association_id, (half / Decimal("151.40")).quantize(CENT) + 1,
                    "RUB", today + datetime.timedelta(days=rnd.randrange(-90, 90)), "announced",
                    admin.pk, created)
    if not approved:
        return
    envelope = envelopes[district_id]
    commitments = {}
    for position, (role, funder_id, env_id) in enumerate(
            [("association", None, None), ("district", envelope.funder_id, envelope.pk)]):
        commitments[role] = t["commitment"].add(
            project_id, role, funder_id, env_id, version.pk, position, half, effective,
            half if env_id else 0, paid, "share", created)
    t["entry"].add(project_id, "reservation", "district", half, "UZS", None, "", None,
                   commitments["district"], envelope.pk, None, "", admin.pk, created)
    matched = Decimal("0")
    for i, (rub, uzs) in enumerate(zip(receipts, converted)):
        receipt_id = t["receipt"].add(project_id, association_id, created.date(), rub, "RUB",
                                      "151.40", False, uzs, (rub * 2 / 100).quantize(CENT),
                                      f"BENCH-{project_id}-{i}", "", "recorded", admin.pk,
                                      created)
        t["entry"].add(project_id, "receipt", "association", uzs, "UZS", rub, "RUB", receipt_id,
                       None, None, None, "", admin.pk, created)
        t["entry"].add(project_id, "fee", "association", (uzs * 2 / 100).quantize(CENT), "UZS",
                       (rub * 2 / 100).quantize(CENT), "RUB", receipt_id, None, None, None, "",
                       admin.pk, created)
        step = min(matched + uzs, half) - matched
        if step > 0:
            for role in ("association", "district"):
                t["entry"].add(project_id, "match", role, step, "UZS", None, "", None,
                               commitments[role], None, None, "", admin.pk, created)
            matched += step
    for role in ("association", "district"):
        for number, amount in enumerate(parts, start=1):
            pay = amount if number == 1 and paid else Decimal("0")
            tranche_id = t["tranche"].add(commitments[role], number,
                                          today + datetime.timedelta(days=30 * number - 45),
                                          amount, pay, today if pay else None)
            if pay:
                t["entry"].add(project_id, "disbursement", role, pay, "UZS", None, "", None,
                               commitments[role], envelope.pk if role == "district" else None,
                               tranche_id, "", admin.pk, created)
