"""The database router against a real streaming replica: this test starts a throwaway
primary (wal_level=replica) with this run's test database restored into it, copies it with
pg_basebackup, starts the replica, and runs replica_checks.py in a process whose
DATABASE_URL is the primary and DATABASE_REPLICA_URL the replica. The shared development
server is not touched."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from config.devservices import _pg_bin
from config.pgreplica import ReplicatedPostgres

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
DATABASE = "hashar_replica"


@pytest.fixture
def servers(django_db_setup, django_db_blocker):
    """The primary, with this run's (migrated) test database, and its replica."""
    root = ROOT / "var" / f"replica-test-{os.getpid()}"
    root.mkdir(parents=True, exist_ok=True)
    dump = ROOT / "var" / f"replica-test-{os.getpid()}.dump"
    with django_db_blocker.unblock():
        s = connection.settings_dict
    subprocess.run([_pg_bin("pg_dump"), "-Fc", "--no-owner", "-h", s["HOST"],
                    "-p", str(s["PORT"]), "-U", s["USER"], "-f", str(dump), s["NAME"]],
                   check=True)
    servers = ReplicatedPostgres(root)
    try:
        servers.start(database=DATABASE, load=dump)
        yield servers
    finally:
        servers.clean()
        dump.unlink(missing_ok=True)


def test_the_router_against_a_real_streaming_replica(servers):
    env = {**os.environ, **servers.environ(), "DATABASE_URL": servers.primary_url,
           "DATABASE_REPLICA_URL": servers.replica_url, "TEST_DATABASE_NAME": DATABASE,
           "DATABASE_REPLICA_CHECK_SECONDS": "0.2", "DATABASE_CONN_MAX_AGE": "60"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "--reuse-db",
         "-o", "addopts=", "-p", "no:cacheprovider", "tests/replica/replica_checks.py"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0 and "5 passed" in summary, result.stdout[-6000:] \
        + result.stderr[-2000:]
