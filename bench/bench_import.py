"""Bulk import of 100,000 validated pledge rows against PostgreSQL COPY of the same file into
a bare table; and, for information, the floor: COPY of the same pledges straight into
matching_pledge (its indexes and foreign keys, no audit, nothing checked).

Each figure is the median of REPEAT runs, interleaved (shared, noisy machines). Every write
happens in a transaction that is rolled back, after `SET CONSTRAINTS ALL IMMEDIATE` (the
foreign-key checks a commit would run, which the rollback skips)."""

import csv
import io
import statistics
import time

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .common import Line

ROWS = 100_000
REPEAT = 3


class Rollback(Exception):
    pass


def _file(codes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["project", "amount", "currency", "expected_on"])
    for i in range(ROWS):
        writer.writerow([codes[i % len(codes)], f"{1000 + i % 997}.50", "RUB", "2026-12-31"])
    return out.getvalue().encode()


def _pledge_rows(codes: list[str], admin, batch_id: int) -> bytes:
    """The rows the import writes into matching_pledge for _file(codes), as COPY text."""
    from matching.imports import checks
    from matching.models import ImportKind, Project

    projects = {code: (pk, association) for code, pk, association in Project.objects.filter(
        code__in=codes).values_list("code", "pk", "association_id")}
    now = timezone.now().isoformat()
    out = io.StringIO()
    for i in range(ROWS):
        project, association = projects[codes[i % len(codes)]]
        amount = f"{1000 + i % 997}.50"
        key = checks.content_key(ImportKind.PLEDGES, project, amount, "RUB", "2026-12-31")
        out.write(f"{project}\t{association}\t{amount}\tRUB\t2026-12-31\tannounced\t{admin.pk}"
                  f"\t{now}\t{batch_id}\t{i + 2}\t{key}\n")
    return out.getvalue().encode()


def _rolled_back(work, prepare=lambda: None):
    """Time work(prepare()) in a transaction rolled back after the deferred foreign-key
    checks (prepare() is not timed).

    A rolled-back run leaves its 100,000 pledges, audit rows and index entries behind, dead:
    they are vacuumed first, so that each run starts from the same tables."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM matching_pledge, matching_pledgeaudit, matching_importrow")
    try:
        with transaction.atomic():
            prepared = prepare()
            start = time.perf_counter()
            result = work(prepared)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            raise Rollback(time.perf_counter() - start, result)
    except Rollback as stop:
        return stop.args


def run(rows: int = ROWS) -> list[Line]:
    import pgtrigger

    from matching.imports import run_import
    from matching.models import ImportBatch, Pledge, Project, User

    admin = User.objects.get(username="admin")
    codes = list(Project.objects.filter(code__startswith="BENCH-", status="funding")
                 .values_list("code", flat=True)[:2000])
    content = _file(codes)
    [(_model, audit)] = pgtrigger.registered("matching.Pledge:insert_insert")
    audit_trigger = audit.get_pgid(Pledge)

    queries = []

    def imported(_prepared):
        # the query log costs nothing measurable next to 100,000 rows: about 15 statements
        with CaptureQueriesContext(connection) as captured:
            batch = run_import(kind="pledges", filename="bench.csv", content=content,
                               actor=admin, mode="all")[0]
        queries.append(len(captured.captured_queries))
        return batch

    def copy():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_pledge (project text, amount numeric, "
                           "currency text, expected_on date) ON COMMIT DROP")
            with cursor.copy("COPY bench_pledge FROM STDIN WITH (FORMAT csv, HEADER true)") as c:
                c.write(content)

    def floor_rows():
        batch = ImportBatch.objects.create(kind="pledges", sha256="0" * 64, filename="floor",
                                           mode="all", status="imported", uploaded_by=admin)
        return _pledge_rows(codes, admin, batch.pk)

    def floor(data):
        with connection.cursor() as cursor:
            # the audit trigger returns at once (pgtrigger's own switch, this transaction only)
            cursor.execute("SELECT set_config('pgtrigger.ignore', %s, true)",
                           ["{" + audit_trigger + "}"])
            with cursor.copy("COPY matching_pledge (project_id, association_id, amount, "
                             "currency, expected_on, status, announced_by_id, created_at, "
                             "import_batch_id, import_line, import_key) FROM STDIN") as c:
                c.write(data)

    import_times, copy_times, floor_times = [], [], []
    for _ in range(REPEAT):
        seconds, batch = _rolled_back(imported)
        import_times.append(seconds)
        start = time.perf_counter()
        copy()
        copy_times.append(time.perf_counter() - start)
        floor_times.append(_rolled_back(floor, floor_rows)[0])
    measured, base = statistics.median(import_times), statistics.median(copy_times)
    floor_s = statistics.median(floor_times)
    return [Line(f"bulk import {rows} pledge rows", measured, base, "s", "<= 10 x COPY",
                 measured <= 10 * base, str(max(queries)), f"(batch status: {batch.status}; "
                 f"median of {REPEAT})"),
            Line("  floor: COPY into matching_pledge", floor_s, base, "s", "informational",
                 True, "-", "(its indexes and foreign keys; no audit, no checks)")]
