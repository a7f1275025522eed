"""make bench: build the large data set if missing, then one line per benchmark.

Each line: the measured figure, the baseline measured in the same run on the same data, their
ratio, the target, and the query count. Nothing here is a test: these machines are shared and
noisy, so the figures are read by people (see bench/README.md), never asserted.

    BENCH_PROJECTS=100000  size of the generated data set
    BENCH_SECONDS=20       duration of each load test
    BENCH_ONLY=http,reports,reminders,reminderday,lag,import,recompute,allocation,memory   a subset
    BENCH_MEMORY_SECONDS=5 load on each URL before the web workers' peak memory is read
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import setup_django  # noqa: E402

PROJECTS = int(os.environ.get("BENCH_PROJECTS", "100000"))
ONLY = set(filter(None, os.environ.get("BENCH_ONLY", "").split(",")))


def main() -> int:
    setup_django()
    from django.core.management import call_command
    from knox.models import AuthToken

    from matching.demo.bulk import BENCH_SCHEME
    from matching.models import LedgerEntry, Project, Scheme, User

    call_command("migrate", verbosity=0)
    have = Project.objects.filter(scheme__code=BENCH_SCHEME).count()
    if have < PROJECTS:
        print(f"generating {PROJECTS - have} projects (once; kept in the bench database)",
              flush=True)
        call_command("seed_demo", projects=PROJECTS - have, verbosity=1)
    print(f"data set: {Project.objects.count()} projects, "
          f"{LedgerEntry.objects.count()} ledger entries\n", flush=True)
    year = Scheme.objects.get(code=BENCH_SCHEME).fiscal_year
    auditor = User.objects.get(username="auditor")
    _instance, token = AuthToken.objects.create(auditor)
    project_id = Project.objects.filter(scheme__code=BENCH_SCHEME, status="funding") \
        .values_list("pk", flat=True).first()

    from bench import (bench_allocation, bench_http, bench_import, bench_memory, bench_recompute,
                       bench_reminder_day, bench_reminder_lag, bench_reminders, bench_reports)

    plan = [("reports", lambda: bench_reports.run(BENCH_SCHEME)),
            ("reminders", bench_reminders.run),
            ("reminderday", bench_reminder_day.run),
            ("lag", bench_reminder_lag.run),
            ("recompute", lambda: bench_recompute.run(year)),
            ("import", bench_import.run),
            ("http", lambda: bench_http.run(token, project_id)),
            ("allocation", bench_allocation.run),
            ("memory", lambda: bench_memory.run(token, project_id, BENCH_SCHEME, year))]
    for name, work in plan:
        if ONLY and name not in ONLY:
            continue
        try:
            for line in work():
                print(line, flush=True)
        except Exception as error:  # noqa: BLE001 - one broken bench must not hide the others
            print(f"{name:<34} FAILED TO RUN: {error!r}", flush=True)
    seconds = Path(__file__).resolve().parent.parent / "var" / "test-seconds"
    if seconds.exists():
        total = int(seconds.read_text())
        print(f"{'make test wall time':<34} measured {total:>10} s        target < 1200 s "
              f"{'MEETS' if total < 1200 else 'MISSES'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
