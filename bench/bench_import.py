"""Bulk import of 100,000 validated pledge rows against PostgreSQL COPY of the same file into
a bare table."""

import csv
import io
import time

from django.db import connection, transaction

from .common import Line

ROWS = 100_000


class Rollback(Exception):
    pass


def _file(codes: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["project", "amount", "currency", "expected_on"])
    for i in range(ROWS):
        writer.writerow([codes[i % len(codes)], f"{1000 + i % 997}.50", "RUB", "2026-12-31"])
    return out.getvalue().encode()


def run(rows: int = ROWS) -> list[Line]:
    from matching.imports import run_import
    from matching.models import Project, User

    admin = User.objects.get(username="admin")
    codes = list(Project.objects.filter(code__startswith="BENCH-", status="funding")
                 .values_list("code", flat=True)[:2000])
    content = _file(codes)

    def imported():
        try:
            with transaction.atomic():
                batch, _created = run_import(kind="pledges", filename="bench.csv",
                                             content=content, actor=admin, mode="all")
                with connection.cursor() as cursor:
                    # the foreign-key checks a commit would run, which the rollback skips
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                raise Rollback(batch)
        except Rollback as stop:
            return stop.args[0]

    def copy():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE bench_pledge (project text, amount numeric, "
                           "currency text, expected_on date) ON COMMIT DROP")
            with cursor.copy("COPY bench_pledge FROM STDIN WITH (FORMAT csv, HEADER true)") as c:
                c.write(content)

    start = time.perf_counter()
    batch = imported()
    measured = time.perf_counter() - start
    start = time.perf_counter()
    copy()
    base = time.perf_counter() - start
    return [Line(f"bulk import {rows} pledge rows", measured, base, "s", "<= 10 x COPY",
                 measured <= 10 * base, "-", f"(batch status: {batch.status})")]
