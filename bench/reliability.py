"""`make reliability`: concurrency, faults, hostile input, access, deployment and data checks,
one line of figures per check. See README "Reliability".

    python bench/reliability.py                     every check
    python bench/reliability.py backup-restore [--database-url URL] [--keep]

Needs DATABASE_URL and REDIS_URL (the Makefile exports those of the private dev servers). The
fault scenarios start their own Redis, workers, web server and PostgreSQL; the shared servers
are never stopped. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.reliability_backup import backup_restore, pg_bin, with_database  # noqa: E402

PY = sys.executable
failed: list[str] = []
not_run: list[str] = []  # a check that could not run is never a pass


def line(text: str, ok: bool = True, ran: bool = True) -> None:
    print(text, flush=True)
    if not ran:
        not_run.append(text.split(":", 1)[0])
    elif not ok:
        failed.append(text.split(":", 1)[0])


def suite() -> None:
    """tests/reliability at full size; each test reports its own figures."""
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as out:
        report = out.name
    env = {**os.environ, "RELIABILITY_FULL": "1", "RELIABILITY_REPORT": report,
           "TEST_DATABASE_NAME": os.environ.get("TEST_DATABASE_NAME", "test_hashar_reliability")}
    started = time.monotonic()
    result = subprocess.run([PY, "-m", "pytest", "tests/reliability", "-q", "-p", "no:randomly",
                             "--show-capture=no", "-W", "ignore"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    for row in Path(report).read_text().splitlines():
        figure = json.loads(row)
        line(f"{figure['check']}: {figure['line']}")
    Path(report).unlink(missing_ok=True)
    summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
    ok = result.returncode == 0
    line(f"tests/reliability: {summary} in {time.monotonic() - started:.0f} s"
         f"{'' if ok else ' FAILED'}", ok)
    if not ok:
        print("\n".join(l for l in result.stdout.splitlines()
                        if l.startswith(("FAILED", "SUBFAIL", "ERROR", "E  "))), flush=True)


def deploy_check() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({"DJANGO_ENV": "production", "DJANGO_ALLOWED_HOSTS": "hashar.example.org",
                "DJANGO_SECRET_KEY": "k3y-" + "".join(chr(97 + (i * 7) % 26) for i in range(60)),
                "DATABASE_URL": "postgres://u:p@db.example.org:5432/hashar",
                "REDIS_URL": "redis://cache.example.org:6379/0"})
    result = subprocess.run([PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    ok = result.returncode == 0 and "no issues" in result.stdout
    line("check --deploy: production settings → "
         + (result.stdout.strip().splitlines()[-1] + " OK" if ok
            else f"FAILED {result.stderr.strip()[-400:]}"), ok)


def pip_audit() -> None:
    """pip-audit against PyPI's advisories (OSV). Where its service cannot be reached the
    check is reported NOT RUN (and counted so), never as a pass."""
    try:
        result = subprocess.run(
            [PY, "-m", "pip_audit", "-r", "requirements.txt", "--no-deps", "--disable-pip",
             "--progress-spinner", "off", "-f", "json"], cwd=ROOT, capture_output=True,
            text=True, timeout=300)
        report = json.loads(result.stdout)
    except (json.JSONDecodeError, subprocess.TimeoutExpired) as error:
        line(f"pip-audit: NOT RUN: it did not finish ({str(error)[-200:]})", ran=False)
        return
    deps = report.get("dependencies", [])
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    if not audited:
        reason = deps[0].get("skip_reason", "no dependency audited") if deps else "no input"
        line(f"pip-audit: NOT RUN: its vulnerability service cannot be reached from here "
             f"({len(deps)} pinned requirements, every one skipped: \"{reason}\")", ran=False)
        return
    names = ", ".join(f"{d['name']} {d['version']} ({', '.join(v['id'] for v in d['vulns'])})"
                      for d in vulnerable)
    line(f"pip-audit: {len(audited)} of {len(deps)} requirements audited → "
         f"{len(vulnerable)} with known vulnerabilities{': ' + names if names else ' OK'}",
         not vulnerable)


def offline_audit() -> None:
    """The pinned requirements against the one vulnerability database found on the package
    registries that works offline: PyUp's safety-db (a PyPI package, pinned in
    requirements.txt). It was last published in 2021, so it knows nothing of advisories
    since: the line says so, and pip-audit above stays the real check."""
    from bench.vulnerabilities import audit_offline

    try:
        found = audit_offline(ROOT / "requirements.txt")
    except ImportError:
        line("offline audit: NOT RUN: safety-db is not installed", ran=False)
        return
    names = ", ".join(f"{name} {version} ({', '.join(ids)})"
                      for name, version, ids in found["vulnerable"])
    line(f"offline audit: {found['checked']} pinned requirements against safety-db "
         f"{found['version']} (PyUp's database as of {found['as_of']}; advisories published "
         f"since are not in it) → {len(found['vulnerable'])} with a known vulnerability"
         f"{': ' + names if names else ' OK'}", not found["vulnerable"])


def scenario(check: str, script: str, timeout: int) -> None:
    """A fault scenario that starts its own servers: its line of figures, or its error."""
    result = subprocess.run([PY, script], cwd=ROOT, capture_output=True, text=True,
                            timeout=timeout)
    figures = [l for l in result.stdout.splitlines() if l.startswith(f"{check}:")]
    if figures:
        line(figures[-1], result.returncode == 0)
    else:
        line(f"{check}: FAILED {result.stderr.strip()[-600:]}", False)


def _psql(url: str, sql: str) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    subprocess.run([pg_bin("psql"), "-h", parts.hostname, "-p", str(parts.port or 5432), "-U",
                    parts.username or "postgres", "-d", "postgres", "-qc", sql], check=True,
                   stdout=subprocess.DEVNULL)


BACKUP_PROJECTS = 2000


def backup_restore_check() -> None:
    """A scratch database with the demo programme and 2,000 generated projects (with their
    pledges, receipts, ledger, audit trail and outbox): dump, restore, compare every table;
    the shared development database is left alone."""
    source = with_database(os.environ["DATABASE_URL"], "hashar_reliability_backup")
    _psql(source, "DROP DATABASE IF EXISTS hashar_reliability_backup")
    _psql(source, "CREATE DATABASE hashar_reliability_backup")
    try:
        env = {**os.environ, "DATABASE_URL": source, "DJANGO_ENV": "test",
               "REDIS_URL": "redis://127.0.0.1:9/0"}  # no broker: its events stay in its outbox
        for command in (["migrate", "-v0"],
                        ["seed_demo", "-v0", "--projects", str(BACKUP_PROJECTS)]):
            subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started = time.monotonic()
        figures = backup_restore(source)  # raises on any difference
        assert figures["projects"] >= BACKUP_PROJECTS, figures["projects"]
        assert min(figures["pledges"], figures["receipts"], figures["entries"],
                   figures["audit_rows"], figures["outbox"], figures["users"]) > 0, figures
        line(f"backup/restore: pg_dump {figures['bytes'] / 1e6:.1f} MB of {figures['projects']} "
             f"projects → fresh database, restored in {figures['restore_seconds']:.1f} s: "
             f"{figures['tables']} tables, {figures['rows']} rows, every count equal; "
             f"{figures['checksummed']} tables checksummed row by row and equal (ledger "
             f"{figures['entries']} entries, {figures['receipts']} receipts, "
             f"{figures['pledges']} pledges, {figures['users']} users, "
             f"{figures['audit_rows']} audit events, {figures['outbox']} outbox messages); "
             f"verify_ledger on the copy: {figures['verify']} "
             f"({time.monotonic() - started:.1f} s in all) OK")
        figures["dump"].unlink(missing_ok=True)  # a scratch backup, not a real one
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        line(f"backup/restore: FAILED {error}", False)
    finally:
        _psql(source, "DROP DATABASE IF EXISTS hashar_reliability_backup")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="all", choices=["all", "backup-restore"])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    args = parser.parse_args(argv)
    if args.command == "backup-restore":
        figures = backup_restore(args.database_url, keep=args.keep)
        print(f"backup: {figures['dump']} ({figures['bytes']} bytes); restored and compared: "
              f"{figures['entries']} ledger entries, {figures['projects']} projects, "
              f"{figures['receipts']} receipts, same totals; {figures['verify']}"
              + (f"; kept as {figures['restored']}" if figures["restored"] else ""))
        return 0
    started = time.monotonic()
    suite()
    scenario("postgres restart", "bench/reliability_pg.py", 600)
    scenario("replica", "bench/reliability_replica.py", 900)
    backup_restore_check()
    deploy_check()
    pip_audit()
    offline_audit()
    print(f"reliability: {len(failed)} failed"
          f"{' (' + ', '.join(failed) + ')' if failed else ''}, {len(not_run)} not run"
          f"{' (' + ', '.join(not_run) + ')' if not_run else ''} in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
