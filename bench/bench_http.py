"""API list and detail under load (gunicorn, 2 workers, wrk on loopback) against bare
`.values()` views on the same server and data."""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import Line, count_queries

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
# Each URL gets SECONDS of load in ROUNDS slices, the four URLs taking turns: on a shared
# machine a burst of other work then weighs on the API and its baseline alike, instead of on
# whichever happened to run during it.
ROUNDS = 4
LUA = """
done = function(summary, latency, requests)
  io.write(string.format("rps %f\\n", summary.requests / (summary.duration / 1e6)))
  io.write(string.format("p95 %f\\n", latency:percentile(95) / 1000))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect
                         + summary.errors.read + summary.errors.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrk(url: str, token: str, seconds: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-s", script.name,
                          "-H", f"Authorization: Token {token}", url],
                         capture_output=True, text=True, check=True).stdout
    values = dict(re.findall(r"^(rps|p95|errors) ([\d.]+)$", out, re.MULTILINE))
    if float(values["errors"]) > 0:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    return float(values["rps"]), float(values["p95"])


# the roles whose lists are measured, by the bench database's users: a clerk with a realistic
# scope (four mahallas, about 1.4 % of the projects), an officer (a district, about 11 %), an
# association (about 17 %) and the auditor (everything)
ROLES = {"auditor": "auditor", "clerk": "clerk", "officer": "officer",
         "association": "association"}


def run(token: str, project_id: int) -> list[Line]:
    import json

    from django.test import Client
    from knox.models import AuthToken

    from matching.models import User

    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: `make bench` installs it (apt-get install wrk)")
    tokens, queries, page_ids = {}, {}, {}
    for role, username in ROLES.items():
        tokens[role] = token if role == "auditor" else \
            AuthToken.objects.create(User.objects.get(username=username))[1]
        client = Client(HTTP_AUTHORIZATION=f"Token {tokens[role]}")
        queries[role] = {size: count_queries(
            lambda s=size: client.get(f"/api/v1/projects/?page_size={s}")) for size in (5, 50)}
        page_ids[role] = [row["id"] for row in
                          client.get("/api/v1/projects/?page_size=50").json()["results"]]
        if len(page_ids[role]) != 50:
            raise RuntimeError(f"the {role}'s list has {len(page_ids[role])} rows, not 50")
    detail_queries = count_queries(lambda: Client(HTTP_AUTHORIZATION=f"Token {token}").get(
        f"/api/v1/projects/{project_id}/"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
                       "BENCH_PAGE_IDS": json.dumps(page_ids)})
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        urls = {}  # name: (url, token)
        for role in ROLES:
            urls[role] = (f"{base}/api/v1/projects/?page_size=50", tokens[role])
            urls[f"bare {role}"] = (f"{base}/bench/projects/{role}/", token)
        urls["one"] = (f"{base}/api/v1/projects/{project_id}/", token)
        urls["bare one"] = (f"{base}/bench/projects/{project_id}/", token)
        runs = {name: [] for name in urls}
        for url, key in urls.values():  # warm both workers up (imports, prepared statements)
            _wrk(url, key, 1)
        for _round in range(ROUNDS):
            for name, (url, key) in urls.items():
                runs[name].append(_wrk(url, key, max(1, SECONDS // ROUNDS)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    # equal slices: the mean of the rounds' throughputs is the overall throughput
    rps = {name: statistics.mean(r for r, _ in results) for name, results in runs.items()}
    p95 = {name: statistics.median(p for _, p in results) for name, results in runs.items()}
    lines = []
    for role in ROLES:
        counts = queries[role]
        shown = f"{counts[5]} / {counts[50]}"
        same = counts[50] <= 4 and counts[5] == counts[50]
        lines += [
            Line(f"api list {role} throughput", rps[role], rps[f"bare {role}"], "req/s",
                 ">= 0.6 x bare, same rows", rps[role] >= 0.6 * rps[f"bare {role}"] and same,
                 shown, "(queries at page size 5 / 50)"),
            Line(f"api list {role} p95", p95[role], p95[f"bare {role}"], "ms",
                 "<= 2 x bare p95", p95[role] <= 2 * p95[f"bare {role}"], shown,
                 f"(median of {ROUNDS} rounds' p95)"),
        ]
        if role in ("clerk", "officer"):
            lines.append(Line(f"api list {role} p95 / auditor's", p95[role], p95["auditor"],
                              "ms", "<= 1.3 x auditor's p95", p95[role] <= 1.3 * p95["auditor"],
                              shown, "(scope must not cost)"))
    lines.append(Line("api detail with waterfall", rps["one"], rps["bare one"], "req/s",
                      ">= 0.5 x baseline", rps["one"] >= 0.5 * rps["bare one"]
                      and detail_queries <= 6, str(detail_queries)))
    return lines
