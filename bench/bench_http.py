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
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", script.name,
                          "-H", f"Authorization: Token {token}", url],
                         capture_output=True, text=True, check=True).stdout
    values = dict(re.findall(r"^(rps|p95|errors) ([\d.]+)$", out, re.MULTILINE))
    if float(values["errors"]) > 0:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    return float(values["rps"]), float(values["p95"])


def run(token: str, project_id: int) -> list[Line]:
    from django.test import Client

    if not shutil.which("wrk"):
        raise RuntimeError("wrk is missing: `make bench` installs it (apt-get install wrk)")
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    queries = {size: count_queries(lambda s=size: client.get(f"/api/v1/projects/?page_size={s}"))
               for size in (5, 50)}
    detail_queries = count_queries(lambda: client.get(f"/api/v1/projects/{project_id}/"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"})
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        urls = {"list": f"{base}/api/v1/projects/?page_size=50", "bare": f"{base}/bench/projects/",
                "one": f"{base}/api/v1/projects/{project_id}/",
                "bare_one": f"{base}/bench/projects/{project_id}/"}
        runs = {name: [] for name in urls}
        for url in urls.values():  # warm both workers up (imports, prepared statements)
            _wrk(url, token, 1)
        for _round in range(ROUNDS):
            for name, url in urls.items():
                runs[name].append(_wrk(url, token, max(1, SECONDS // ROUNDS)))
    finally:
        server.terminate()
        server.wait(timeout=20)
    # equal slices: the mean of the rounds' throughputs is the overall throughput
    rps = {name: statistics.mean(r for r, _ in results) for name, results in runs.items()}
    p95 = {name: statistics.median(p for _, p in results) for name, results in runs.items()}
    api_rps, bare_rps, one_rps, bare_one_rps = (rps[n] for n in ("list", "bare", "one", "bare_one"))
    api_p95, bare_p95 = p95["list"], p95["bare"]
    list_queries = f"{queries[5]} / {queries[50]}"
    return [
        Line("api list ?page_size=50 throughput", api_rps, bare_rps, "req/s",
             ">= 0.6 x baseline", api_rps >= 0.6 * bare_rps, list_queries,
             "(queries at page size 5 / 50)"),
        Line("api list ?page_size=50 p95", api_p95, bare_p95, "ms", "<= 2 x baseline p95",
             api_p95 <= 2 * bare_p95, list_queries, f"(median of {ROUNDS} rounds' p95)"),
        Line("api detail with waterfall", one_rps, bare_one_rps, "req/s", ">= 0.5 x baseline",
             one_rps >= 0.5 * bare_one_rps and detail_queries <= 6, str(detail_queries)),
        Line("api list queries (<= 4 any size)", queries[50], queries[5], "queries",
             "<= 4, same at 5 and 50", queries[50] <= 4 and queries[5] == queries[50],
             list_queries),
    ]
