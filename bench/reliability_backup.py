"""Backup with pg_dump, restore into a fresh database, and compare every table.

    python bench/reliability.py backup-restore [--database-url URL] [--keep]

Dumps the database (DATABASE_URL unless given) to var/backups/<name>-<UTC time>.dump in
pg_dump's custom format, restores it into a new database `<name>_restore_<UTC time>` on the same
server, and compares the copy with the original: the row count of every table, checksums of
every row of the money (ledger, receipts, commitments, tranches, envelopes, projects'
totals), the pledges, the users, the audit trail (every event table) and the outbox, and the
ledger's totals per kind; then runs `manage.py verify_ledger` against the copy, and times the
restore. The restored database is dropped afterwards unless --keep. The dump file stays: it
is the backup.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BACKUPS = ROOT / "var" / "backups"

TOTALS = {
    "ledger": "SELECT kind, count(*), coalesce(sum(amount), 0) FROM matching_ledgerentry "
              "GROUP BY kind ORDER BY kind",
    "projects": "SELECT count(*), sum(received), sum(matched), sum(disbursed) "
                "FROM matching_project",
    "envelopes": "SELECT count(*), sum(amount), sum(reserved), sum(disbursed) "
                 "FROM matching_budgetenvelope",
    "receipts": "SELECT count(*), coalesce(sum(converted), 0) FROM matching_receipt",
}


def pg_bin(name: str) -> str:
    package = Path(importlib.util.find_spec("pgserver").origin).parent
    return str(package / "pginstall" / "bin" / name)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _conninfo(url: str) -> list[str]:
    parts = urlsplit(url)
    return ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
            "-U", parts.username or "postgres"]


def _env(url: str) -> dict:
    password = urlsplit(url).password
    return {**os.environ, **({"PGPASSWORD": password} if password else {})}


# tables whose every row is checksummed (the rest: row counts), and the audit trail's
CHECKSUMMED = ["matching_ledgerentry", "matching_receipt", "matching_commitment",
               "matching_tranche", "matching_budgetenvelope", "matching_project",
               "matching_pledge", "matching_user", "matching_outboxmessage"]


def _tables(connection) -> list[str]:
    return [name for (name,) in connection.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]


def _checksum(connection, table: str, order: str) -> str:
    # every column of every row, as PostgreSQL writes the row, in a fixed order
    return connection.execute(
        f'SELECT md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t."{order}"), \'\')) '
        f'FROM "{table}" t').fetchone()[0]


def totals(url: str) -> dict:
    with psycopg.connect(url) as connection:
        found = {name: connection.execute(sql).fetchall() for name, sql in TOTALS.items()}
        tables = _tables(connection)
        found["rows"] = {table: connection.execute(f'SELECT count(*) FROM "{table}"')
                         .fetchone()[0] for table in tables}
        audit = [table for table in tables if table.endswith("audit")
                 or table.startswith("pghistory_")]
        found["checksums"] = {
            **{table: _checksum(connection, table, "id") for table in CHECKSUMMED},
            **{table: _checksum(connection, table, "pgh_id" if table.endswith("audit")
                                else "id") for table in audit}}
        return found


def backup_restore(url: str, *, keep: bool = False) -> dict:
    """Dump, restore, compare; returns the figures (raises on any difference)."""
    name = urlsplit(url).path.lstrip("/")
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    BACKUPS.mkdir(parents=True, exist_ok=True)
    dump = BACKUPS / f"{name}-{stamp}.dump"
    before = totals(url)
    subprocess.run([pg_bin("pg_dump"), *_conninfo(url), "-Fc", "-f", str(dump), name],
                   check=True, env=_env(url))
    restored = f"{name}_restore_{stamp.lower()}"
    restored_url = with_database(url, restored)
    subprocess.run([pg_bin("createdb"), *_conninfo(url), restored], check=True, env=_env(url))
    try:
        started = time.monotonic()
        subprocess.run([pg_bin("pg_restore"), *_conninfo(url), "--no-owner", "--exit-on-error",
                        "-d", restored, str(dump)], check=True, env=_env(url))
        restore_seconds = time.monotonic() - started
        after = totals(restored_url)
        verified = subprocess.run(
            [sys.executable, "manage.py", "verify_ledger"], cwd=ROOT, capture_output=True,
            text=True, env={**_env(url), "DATABASE_URL": restored_url, "DJANGO_ENV": "test"})
    finally:
        if not keep:
            subprocess.run([pg_bin("dropdb"), *_conninfo(url), "--if-exists", restored],
                           check=False, env=_env(url))
    differences = [f"{part} {key}: {before[part].get(key)} → {after[part].get(key)}"
                   for part in ("rows", "checksums")
                   for key in sorted(set(before[part]) | set(after[part]))
                   if before[part].get(key) != after[part].get(key)]
    differences += [f"{name}: {before[name]} → {after[name]}" for name in TOTALS
                    if before[name] != after[name]]
    if differences:
        raise AssertionError("the copy differs: " + "; ".join(differences[:20]))
    if verified.returncode != 0:
        raise AssertionError(f"verify_ledger failed on the restored copy: {verified.stderr}")
    entries = sum(row[1] for row in after["ledger"])
    return {"dump": dump, "bytes": dump.stat().st_size, "entries": entries,
            "kinds": len(after["ledger"]), "projects": after["projects"][0][0],
            "receipts": after["receipts"][0][0], "restored": restored if keep else None,
            "verify": verified.stdout.strip(), "tables": len(after["rows"]),
            "rows": sum(after["rows"].values()), "checksummed": len(after["checksums"]),
            "pledges": after["rows"].get("matching_pledge", 0),
            "users": after["rows"].get("matching_user", 0),
            "audit_rows": sum(n for t, n in after["rows"].items() if t.endswith("audit")),
            "outbox": after["rows"].get("matching_outboxmessage", 0),
            "restore_seconds": restore_seconds}
