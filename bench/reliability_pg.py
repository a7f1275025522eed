"""PostgreSQL restarted (crash-like, `pg_ctl restart -m immediate`) under a load of writes.

    python bench/reliability_pg.py

Runs its OWN PostgreSQL (the pgserver wheel's binaries, under var/reliability-pg, durable
settings: fsync on) on a free port, never the shared one; migrates, loads the demo programme,
then clerks record receipts from several threads while the server is killed and restarted.
A writer that loses its connection gets an OperationalError, reconnects and sends the same
receipt again (the bank reference makes the retry safe). Whether a crash lands just after a
COMMIT is chance, so the path that matters most is also forced once: a receipt whose COMMIT
succeeds but whose answer is lost (the writer gets an OperationalError), retried by its
reference, must be found committed (409 duplicate_reference) and recorded once. Afterwards:
every receipt has its ledger entry and cached totals (no half-written record), and
ledger.verify() is clean. Prints one line of figures; exit status 1 on a failed check.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config.devservices import PG_SYSTEM_USER, _pg_bin  # noqa: E402

DATA = ROOT / "var" / "reliability-pg"
WRITERS, LOAD_SECONDS = 6, 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user() -> dict:
    if os.geteuid() != 0:
        return {}
    shutil.chown(DATA, PG_SYSTEM_USER, PG_SYSTEM_USER)
    for parent in DATA.parents:
        parent.chmod(parent.stat().st_mode | 0o011)
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER}


class PrivatePostgres:
    def __init__(self):
        shutil.rmtree(DATA, ignore_errors=True)
        DATA.mkdir(parents=True)
        self.run_as = _as_user()
        self.port = _free_port()
        self.pgdata = DATA / "data"
        subprocess.run([_pg_bin("initdb"), "-D", str(self.pgdata), "-U", "postgres",
                        "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], check=True,
                       stdout=subprocess.DEVNULL, **self.run_as)
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/hashar_pg_fault"

    def ctl(self, *args):
        options = f"-h 127.0.0.1 -p {self.port} -k {DATA} -c max_connections=50"
        subprocess.run([_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-l", str(DATA / "pg.log"),
                        "-w", "-t", "60", "-o", options, *args], check=True,
                       stdout=subprocess.DEVNULL, **self.run_as)

    def createdb(self):
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                        "postgres", "hashar_pg_fault"], check=True)


def main() -> int:
    pg = PrivatePostgres()
    pg.ctl("start")
    try:
        pg.createdb()
        # no broker: this database's events must not reach anyone's worker through the
        # shared Redis (they wait in the outbox, as they would with Redis down)
        env = {**os.environ, "DATABASE_URL": pg.url, "DJANGO_ENV": "test",
               "DATABASE_CONN_MAX_AGE": "0", "REDIS_URL": "redis://127.0.0.1:9/0"}
        env.pop("TEST_DATABASE_NAME", None)
        for command in (["migrate", "-v0"], ["seed_demo", "-v0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)
        os.environ.update(DATABASE_URL=pg.url, DJANGO_ENV="test", DATABASE_CONN_MAX_AGE="0",
                          REDIS_URL=env["REDIS_URL"])
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        return load_and_restart(pg)
    finally:
        pg.ctl("-m", "fast", "stop")
        shutil.rmtree(DATA, ignore_errors=True)


def load_and_restart(pg) -> int:
    import datetime
    from decimal import Decimal

    from django.db import InterfaceError, OperationalError, connection

    from matching import ledger, services
    from matching import models as m
    from matching.errors import Conflict

    open_states = ["approved", "funding", "funded", "in_progress"]
    pairs = []
    for project in m.Project.objects.filter(status__in=open_states).select_related("mahalla"):
        clerk = m.User.objects.filter(role=m.Role.CLERK, mahallas=project.mahalla).first()
        if clerk is not None:
            pairs.append((project, clerk))
    connection.close()
    assert pairs, "the demo programme has no open project with a clerk"
    lost = lost_acknowledgement(*pairs[0])
    counts = {"committed": 0, "errors": 0, "retried_ok": 0, "already_committed": 0}
    errors_seen: set[str] = set()
    lock = threading.Lock()
    stop = time.monotonic() + LOAD_SECONDS

    def writer(n):
        i = 0
        while time.monotonic() < stop:
            project, clerk = pairs[(n + i) % len(pairs)]
            reference = f"PGFAULT-{n}-{i}"
            i += 1
            for attempt in range(40):
                try:
                    services.receipt_record(
                        project=m.Project.objects.get(pk=project.pk), actor=clerk,
                        amount=Decimal("1000.00"), currency=project.currency,
                        received_on=datetime.date.today(), reference=reference)
                    with lock:
                        counts["retried_ok" if attempt else "committed"] += 1
                    break
                except Conflict:  # the lost answer had committed: the reference says so
                    with lock:
                        counts["already_committed"] += 1
                    break
                except (OperationalError, InterfaceError) as error:
                    with lock:
                        counts["errors"] += 1
                        errors_seen.add(type(error).__name__ + ": "
                                        + str(error).splitlines()[0][:70])
                    connection.close()
                    time.sleep(0.25)
        connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS / 3)
    restart_started = time.monotonic()
    pg.ctl("-m", "immediate", "restart")
    downtime = time.monotonic() - restart_started
    for thread in threads:
        thread.join(timeout=120)
    connection.close()  # this thread's connection died with the server too

    receipts = m.Receipt.objects.filter(reference__startswith="PGFAULT-")
    entries = m.LedgerEntry.objects.filter(kind="receipt", receipt__in=receipts)
    # a held receipt (far beyond its project's cost) has no entry until confirmed
    orphans = receipts.exclude(status="held").exclude(
        pk__in=entries.values("receipt_id")).count()
    differences = ledger.verify()
    recorded = receipts.count()
    succeeded = counts["committed"] + counts["retried_ok"] + counts["already_committed"]
    ok = (orphans == 0 and not differences and recorded == succeeded and counts["errors"] > 0
          and lost["ok"])
    print(f"postgres restart: {WRITERS} writers for {LOAD_SECONDS:.0f} s, server killed and "
          f"restarted ({downtime:.1f} s) → {recorded} receipts "
          f"({counts['committed']} first try, {counts['retried_ok']} after a retry, "
          f"{counts['already_committed']} found committed on retry), {counts['errors']} clear "
          f"client errors ({'; '.join(sorted(errors_seen))[:160]}), {orphans} half-written, "
          f"ledger {'verified' if not differences else f'{len(differences)} DIFFERENCES'}; "
          f"forced lost acknowledgement: COMMIT done, answer lost "
          f"({lost['error']}), retried by reference → {lost['answer']}, "
          f"{lost['receipts']} receipt and {lost['entries']} ledger entry "
          f"{'OK' if ok else 'FAILED'}", flush=True)
    return 0 if ok else 1


def lost_acknowledgement(project, clerk) -> dict:
    """Record a receipt whose COMMIT reaches the server but whose answer never comes back,
    then retry it by its reference, as a writer does: it must be found already committed,
    and be there once."""
    import datetime
    from decimal import Decimal

    from django.db import OperationalError, connection

    from matching import models as m
    from matching import services
    from matching.errors import Conflict

    reference = "LOSTACK-1"

    def receipt():
        return services.receipt_record(
            project=m.Project.objects.get(pk=project.pk), actor=clerk,
            amount=Decimal("1000.00"), currency=project.currency,
            received_on=datetime.date.today(), reference=reference)

    connection.ensure_connection()
    real_commit = connection._commit

    def commit_then_lose_the_answer():
        real_commit()  # the server has committed
        raise OperationalError("server closed the connection before answering COMMIT")

    connection._commit = commit_then_lose_the_answer
    error = "no error"
    try:
        receipt()
    except OperationalError as lost:
        error = f"{type(lost).__name__}: {lost}"
    finally:
        del connection._commit  # the class's own again
        connection.close()
    try:
        receipt()
        answer = "recorded AGAIN"
    except Conflict as refused:
        answer = f"409 {refused.code}"
    receipts = m.Receipt.objects.filter(reference=reference).count()
    entries = m.LedgerEntry.objects.filter(kind="receipt", receipt__reference=reference).count()
    connection.close()
    return {"ok": error != "no error" and answer == "409 duplicate_reference"
            and receipts == 1 and entries == 1,
            "error": error[:60], "answer": answer, "receipts": receipts, "entries": entries}


if __name__ == "__main__":
    sys.exit(main())
