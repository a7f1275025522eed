"""Bulk import of 100,000 validated pledge rows against the floor: COPY of the same pledges
straight into matching_pledge (its indexes and foreign keys, no audit, nothing checked), in
the same run; and, for information, COPY of the same file into a bare table.

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

from .common import Line, rolled_back

ROWS = 100_000
REPEAT = 3
IMPORTER = "clerk"  # the bench database's clerk: pledges and receipts are a clerk's to import


RECEIPT_ROWS, RECEIPT_PROJECTS = 10_000, 1_000
PLEDGE_TABLES = "matching_pledge, matching_pledgeaudit, matching_importrow"
# what a receipts import writes: its receipts, entries, totals, matches and their audit
RECEIPT_TABLES = ("matching_receipt, matching_receiptaudit, matching_ledgerentry, "
                  "matching_project, matching_projectaudit, matching_commitment, "
                  "matching_commitmentaudit, matching_matchrecord, matching_statuschange, "
                  "matching_statuschangeaudit, matching_outboxmessage, matching_importrow, "
                  "matching_importbatch, pghistory_context")



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


def _rolled_back(work, prepare=lambda: None, tables=PLEDGE_TABLES):
    """common.rolled_back, after vacuuming `tables`: a rolled-back run leaves its 100,000
    pledges, audit rows and index entries behind, dead, and each run must start from the
    same tables."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {tables}")
    return rolled_back(work, prepare)


def _importer(kind: str, content: bytes, admin, queries: list[int]):
    """The timed work: import `content` as the clerk, noting its statements (the
    query log costs nothing measurable next to thousands of rows)."""
    from matching.imports import run_import

    def imported(_prepared):
        with CaptureQueriesContext(connection) as captured:
            batch = run_import(kind=kind, filename="bench.csv", content=content, actor=admin,
                               mode="all")[0]
        queries.append(len(captured.captured_queries))
        return batch

    return imported


def _copy_seconds(table: str, columns: str, content: bytes) -> float:
    """The baseline: COPY of the same file into a bare temporary table."""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {table} ({columns}) ON COMMIT DROP")
        with cursor.copy(f"COPY {table} FROM STDIN WITH (FORMAT csv, HEADER true)") as c:
            c.write(content)
    return time.perf_counter() - start


def run(rows: int = ROWS) -> list[Line]:
    import pgtrigger

    from matching.models import ImportBatch, Pledge, Project, User

    # a clerk imports pledges (policies: who records them); her funding projects (457 of
    # the bench's clerk at 100,000 projects) share the file's rows
    admin = User.objects.get(username=IMPORTER)
    codes = list(Project.objects.visible_to(admin).filter(code__startswith="BENCH-",
                                                          status="funding")
                 .order_by("pk").values_list("code", flat=True)[:2000])
    content = _file(codes)
    [(_model, audit)] = pgtrigger.registered("matching.Pledge:insert_insert")
    audit_trigger = audit.get_pgid(Pledge)

    queries = []
    imported = _importer("pledges", content, admin, queries)

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
        copy_times.append(_copy_seconds("bench_pledge", "project text, amount numeric, "
                                        "currency text, expected_on date", content))
        floor_times.append(_rolled_back(floor, floor_rows)[0])
    measured, bare = statistics.median(import_times), statistics.median(copy_times)
    floor_s = statistics.median(floor_times)
    return [Line(f"bulk import {rows} pledge rows", measured, floor_s, "s",
                 "<= 2 x COPY into matching_pledge", measured <= 2 * floor_s,
                 str(max(queries)), f"(batch status: {batch.status}; median of {REPEAT}; "
                 "baseline: COPY of the same pledges into matching_pledge, its indexes and "
                 "foreign keys, no audit, no checks)"),
            Line("  COPY into a bare table", measured, bare, "s", "informational", True, "-",
                 "(the same file)"),
            _receipts(admin)]


def _receipts_file(codes: list[str], day) -> bytes:
    """Two rows in three in roubles at the stored rate of the day, with a fee; the others in
    the scheme currency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["project", "amount", "currency", "received_on", "reference", "fee"])
    for i in range(RECEIPT_ROWS):
        code = codes[i % len(codes)]
        if i % 3:
            writer.writerow([code, f"{1000 + i % 997}.50", "RUB", day, f"BENCH-R-{i}",
                             f"{i % 50}.00"])
        else:
            writer.writerow([code, f"{100000 + i % 997}.00", "UZS", day, f"BENCH-R-{i}", "0"])
    return out.getvalue().encode()


def _receipts(admin) -> Line:
    """For information: a clerk's large receipts file (the web upload runs it synchronously,
    under gunicorn's timeout), against COPY of the same file into a bare table."""
    from matching.models import ExchangeRate, Project

    codes = list(Project.objects.visible_to(admin).filter(code__startswith="BENCH-",
                                                          status="funding")
                 .order_by("pk").values_list("code", flat=True)[:RECEIPT_PROJECTS])
    day = ExchangeRate.objects.filter(currency="RUB", quote_currency="UZS",
                                      on__lte=timezone.localdate()).latest("on").on
    content = _receipts_file(codes, day.isoformat())
    queries = []
    imported = _importer("receipts", content, admin, queries)

    times, copy_times = [], []
    for _ in range(REPEAT):
        seconds, batch = _rolled_back(imported, tables=RECEIPT_TABLES)
        times.append(seconds)
        copy_times.append(_copy_seconds(
            "bench_receipt", "project text, amount numeric, currency text, received_on date, "
            "reference text, fee numeric", content))
    with connection.cursor() as cursor:  # the last run's dead rows too
        cursor.execute(f"VACUUM {RECEIPT_TABLES}")
    return Line(f"bulk import {RECEIPT_ROWS} receipt rows", statistics.median(times),
                statistics.median(copy_times), "s", "informational", True, str(max(queries)),
                f"({len(codes)} projects; batch status: {batch.status}; median of {REPEAT})")
