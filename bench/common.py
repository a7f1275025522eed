"""What every benchmark shares: the bench database, timing and the one-line report."""

import os
import statistics
import time
from dataclasses import dataclass

import django

BENCH_DB = os.environ.get("BENCH_DATABASE_NAME", "hashar_bench")


def setup_django() -> None:
    """Point Django at the bench database (created on first use) and set it up."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    head, _, _name = base.rpartition("/")
    with psycopg.connect(f"{head}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            [BENCH_DB]).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    os.environ["DATABASE_URL"] = f"{head}/{BENCH_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ["DJANGO_DEBUG"] = "false"
    django.setup()


def best_of(func, repeat: int = 5) -> float:
    """Median wall time of `repeat` runs, in seconds (noisy machines: never trust one run)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


class _Rollback(Exception):
    pass


def rolled_back(work, prepare=lambda: None) -> tuple[float, object]:
    """(seconds, result) of work(prepare()) in a transaction that is then rolled back, so the
    data set stays as it was; timed up to the foreign-key checks a commit would run (which a
    rollback skips). prepare() runs in the same transaction, untimed."""
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            prepared = prepare()
            start = time.perf_counter()
            result = work(prepared)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            raise _Rollback(time.perf_counter() - start, result)
    except _Rollback as stop:
        return stop.args


def count_queries(func) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        func()
    return len(captured.captured_queries)


@dataclass
class Line:
    name: str
    measured: float
    baseline: float
    unit: str
    target: str
    ok: bool
    queries: str = "-"
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.measured / self.baseline if self.baseline else float("inf")

    def __str__(self) -> str:
        verdict = "MEETS" if self.ok else "MISSES"
        return (f"{self.name:<34} measured {self.measured:>10.4g} {self.unit:<8} "
                f"baseline {self.baseline:>10.4g}  ratio {self.ratio:6.2f}  "
                f"target {self.target:<26} queries {self.queries:<12} {verdict} {self.note}")
