"""A streaming read replica under a live web server (`make reliability`).

    python bench/reliability_replica.py

Starts its OWN primary (wal_level=replica) and a replica made by pg_basebackup from it
(config/pgreplica.py, under var/reliability-replica), a private Redis (the cache that pins a
user to the primary after his write), migrates and loads the demo programme on the primary,
and serves it with gunicorn, DATABASE_REPLICA_URL pointing at the replica. Then:

1. reads reach it: public pages, reports and API reads, counted in each server's
   pg_stat_database;
2. a user sees his own write at once: with the replica's replay paused, an association
   announces a pledge through the API and reads it back (200) while the auditor, who wrote
   nothing, is answered by the replica that has not replayed it yet (404); once replayed, he
   sees it too;
3. stopping the replica loses no request: readers in several threads while the replica is
   stopped (immediate shutdown) under them: every request answered 200.

Prints one line of figures; exit status 1 on a failed check.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from config.devservices import _pg_bin, _redis_bin  # noqa: E402
from config.pgreplica import ReplicatedPostgres, _free_port  # noqa: E402

DATA = ROOT / "var" / "reliability-replica"
THREADS, LOAD_SECONDS = 8, 6.0


def _wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


class Web:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, *, token: str = "", body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if token:
            request.add_header("Authorization", f"Token {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def token(self, username: str) -> str:
        status, body = self.call("POST", "/api/v1/auth/login/",
                                 body={"username": username, "password": "hashar-demo"})
        assert status == 200, (status, body[:300])
        return json.loads(body)["token"]


def _commits(servers: ReplicatedPostgres, port: int) -> int:
    time.sleep(1.2)  # backends flush their statistics about once a second
    out = subprocess.run([_pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U",
                          "postgres", "-tAXc", "SELECT xact_commit FROM pg_stat_database "
                          f"WHERE datname = '{servers.database}'"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return int(out or 0)


def main() -> int:
    servers = ReplicatedPostgres(DATA)
    redis_port, web_port = _free_port(), _free_port()
    redis = web = None
    try:
        servers.start(database="hashar_replica")
        redis = subprocess.Popen([_redis_bin(), "--port", str(redis_port), "--bind",
                                  "127.0.0.1", "--save", "", "--appendonly", "no"],
                                 stdout=subprocess.DEVNULL)
        env = {**os.environ, "DATABASE_URL": servers.primary_url, "DJANGO_ENV": "test",
               "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
        env.pop("TEST_DATABASE_NAME", None)
        for command in (["migrate", "-v0"], ["seed_demo", "-v0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env,
                           check=True, stdout=subprocess.DEVNULL)
        servers.wait_caught_up(timeout=120)
        log = DATA / "gunicorn.log"
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{web_port}", "--workers", "2", "--threads", "4", "--timeout", "60"],
            # a generous lag bound: the paused replay of check 2 must leave the replica in use
            cwd=ROOT, env={**env, "DATABASE_REPLICA_URL": servers.replica_url,
                           "DATABASE_REPLICA_CHECK_SECONDS": "1",
                           "DATABASE_REPLICA_MAX_LAG": "60", "DATABASE_REPLICA_PIN_SECONDS": "61",
                           "LOG_LEVEL": "INFO"},
            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        _wait_port(web_port)
        return scenario(servers, Web(web_port), log)
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        print(f"replica: FAILED {type(error).__name__}: {error}", flush=True)
        return 1
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGTERM)
            web.wait(timeout=30)
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=10)
        servers.clean()


def scenario(servers: ReplicatedPostgres, web: Web, log: Path) -> int:
    auditor, association = web.token("auditor"), web.token("association")
    status, body = web.call("GET", "/api/v1/projects/?page_size=5", token=association)
    projects = json.loads(body)["results"]
    code = projects[0]["code"]
    project = next(p for p in projects if p["status"] in ("funding", "approved", "funded"))

    # 1. reads reach the replica
    public = ["/projects/", "/reports/", f"/projects/{code}/", "/reports/funders/"]
    before = (_commits(servers, servers.primary_port), _commits(servers, servers.replica_port))
    reads = Counter()
    for _round in range(10):
        for path in public:
            reads[web.call("GET", path)[0]] += 1
        reads[web.call("GET", "/api/v1/projects/", token=auditor)[0]] += 1
    after = (_commits(servers, servers.primary_port), _commits(servers, servers.replica_port))
    on_replica, on_primary = after[1] - before[1], after[0] - before[0]
    reads_ok = reads == Counter({200: 50}) and on_replica >= 50

    # 2. a user sees his own write at once; the others once the replica has it
    servers.pause_replay()
    status, body = web.call("POST", "/api/v1/pledges/", token=association, body={
        "project": project["id"], "amount": "150.00", "currency": "RUB",
        "expected_on": "2030-06-30"})
    pledge = json.loads(body).get("id")
    own = web.call("GET", f"/api/v1/pledges/{pledge}/", token=association)[0]
    other = web.call("GET", f"/api/v1/pledges/{pledge}/", token=auditor)[0]
    servers.resume_replay()
    servers.wait_caught_up()
    time.sleep(1.5)
    later = web.call("GET", f"/api/v1/pledges/{pledge}/", token=auditor)[0]
    ryw_ok = (status, own, other, later) == (201, 200, 404, 200)

    # 3. the replica stopped under a load of reads
    outcomes, lock, stop_at = Counter(), threading.Lock(), time.monotonic() + LOAD_SECONDS
    paths = [*public, "/api/v1/projects/"]

    def reader(n: int) -> None:
        i = n
        while time.monotonic() < stop_at:
            path = paths[i % len(paths)]
            i += 1
            answer = web.call("GET", path, token=auditor if path.startswith("/api/") else "")
            with lock:
                outcomes[answer[0]] += 1

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(LOAD_SECONDS / 3)
    logged_before = len(log.read_text(errors="replace"))
    servers.stop_replica()
    for thread in threads:
        thread.join(timeout=120)
    served = log.read_text(errors="replace")[logged_before:]
    noticed = [line.split(" matching.routing ", 1)[1][:90] for line in served.splitlines()
               if " matching.routing " in line and ("skipped" in line or "failed" in line)]
    total, lost = sum(outcomes.values()), sum(n for s, n in outcomes.items() if s != 200)
    stop_ok = total > 0 and lost == 0 and bool(noticed)

    ok = reads_ok and ryw_ok and stop_ok
    print(f"replica: streaming replica (pg_basebackup) under gunicorn → 50 public and API "
          f"reads, {on_replica} transactions on the replica, {on_primary} on the primary "
          f"(who is asking: tokens, users){'' if reads_ok else ' FAILED'}; own write read back at once "
          f"(pledge {status}, its author {own}, the auditor {other} while the replica's "
          f"replay was paused, {later} once replayed){'' if ryw_ok else ' FAILED'}; replica "
          f"stopped under {THREADS} readers: {total} requests, {lost} lost "
          f"({noticed[0] if noticed else 'no log line'}) {'OK' if ok else 'FAILED'}",
          flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
