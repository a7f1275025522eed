"""Peak memory of a web worker and of a Celery worker on this data set (the scaling table).

Web: gunicorn with 2 workers, as the HTTP benchmark runs it, serves the benchmarked requests
(every role's project list, a project's detail with its waterfall, the regional report's page
of the largest region) under wrk for BENCH_MEMORY_SECONDS each; then the peak resident memory
(VmHWM in /proc/<pid>/status) of each worker process is read, and the larger is printed.

Celery: one real worker (prefork, one child, a fresh child for each task, the app's settings,
the private Redis) that also loads bench/memory_tasks.py runs the re-matching of the fiscal
year with BENCH_DRIFTED's first share drifted, then one reminder dispatch call on the busiest
due day, each rolled back; each task writes its own process's VmHWM when it ends. The dispatch's messages are removed from
the reminders queue afterwards (nothing consumes them here).

No baseline: these are sizes, read by people (bench/README.md, "Scaling")."""

import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .bench_http import ROLES, _free_port
from .bench_recompute import DRIFTED


@dataclass
class Size:
    """A line of `make bench` with a figure and no baseline."""
    name: str
    megabytes: float
    note: str

    def __str__(self) -> str:
        return f"{self.name:<34} measured {self.megabytes:>10.0f} MB       {self.note}"

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_MEMORY_SECONDS", "5"))
QUEUE = "bench-memory"


def peak_kb(pid: int | str = "self") -> int:
    """A process's peak resident memory so far (VmHWM), in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _load(url: str, token: str | None) -> None:
    """SECONDS of wrk on `url` (8 connections), refusing any error answer."""
    header = ["-H", f"Authorization: Token {token}"] if token else []
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{SECONDS}s", "--timeout", "30s", *header,
                          url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")


def _wait_port(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def web(token: str, project_id: int, scheme: str) -> "Size":
    from django.test import Client
    from knox.models import AuthToken

    from django.db.models import Count

    from matching.models import Region, User

    tokens = {role: token if role == "auditor" else
              AuthToken.objects.create(User.objects.get(username=username))[1]
              for role, username in ROLES.items()}
    paths = [("/api/v1/projects/?page_size=50", tokens[role]) for role in ROLES]
    # the regional report's page of the region with the most projects (public, no token)
    region = (Region.objects.annotate(n=Count("districts__mahallas__projects"))
              .order_by("-n").values_list("pk", flat=True).first())
    paths += [(f"/api/v1/projects/{project_id}/", token),
              (f"/reports/region/{region}/?scheme={scheme}", None)]
    for path, key in paths:  # each answers 200 (else the memory of error pages is measured)
        client = Client(HTTP_AUTHORIZATION=f"Token {key}") if key else Client()
        status = client.get(path).status_code
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", "2", "--log-level", "warning"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
                       "BENCH_PAGE_IDS": "{}",  # (no limits: a 429 would be measured instead)
                       "API_RATE_USER": "1000000/second", "API_RATE_ANON": "1000000/second"})
    try:
        _wait_port(port)
        for path, key in paths:
            _load(f"http://127.0.0.1:{port}{path}", key)
        workers = _children(server.pid)
        peaks = {pid: peak_kb(pid) for pid in workers}
    finally:
        server.terminate()
        server.wait(timeout=30)
    if len(peaks) != 2:
        raise RuntimeError(f"expected 2 gunicorn workers, found {len(peaks)}")
    peak = max(peaks.values()) / 1024
    return Size("peak memory, web worker", peak,
                f"(VmHWM, the larger of 2 gunicorn workers: "
                f"{', '.join(f'{kb / 1024:.0f}' for kb in peaks.values())} MB; "
                f"lists of {len(ROLES)} roles, detail, regional report, {SECONDS} s each)")


def celery_worker(year: int) -> list["Size"]:
    import redis
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from config.celery import app
    from matching.models import Tranche

    day = (Tranche.objects.filter(paid_on__isnull=True).values("due_on").order_by()
           .annotate(n=Count("id")).order_by("-n").values_list("due_on", flat=True).first())
    now = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 0)))
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    reminders = "reminders"
    queued_before = broker.llen(reminders)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", QUEUE,
         "-I", "bench.memory_tasks", "--pool", "prefork", "--concurrency", "1",
         "--max-tasks-per-child", "1",  # a fresh child for each task: its own peak
         "--loglevel", "warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        stdout=subprocess.DEVNULL, start_new_session=True)
    lines = []
    try:
        for name, args, label in (
                ("bench.rematch", [year, DRIFTED[0]],
                 f"peak memory, Celery re-matching {DRIFTED[0]:.0%}"),
                ("bench.dispatch", [now.isoformat()], "peak memory, Celery dispatch")):
            with tempfile.TemporaryDirectory() as folder:
                report = Path(folder) / "report.json"
                app.send_task(name, args=[str(report), *args], queue=QUEUE)
                deadline = time.monotonic() + 3600
                while not report.exists():
                    if worker.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the Celery worker did not finish {name}")
                    time.sleep(0.5)
                result = json.loads(report.read_text())
            lines.append(Size(label, result["peak_kb"] / 1024,
                              f"(VmHWM of the worker's child that ran it; {result['what']} "
                              f"in {result['seconds']:.1f} s, rolled back)"))
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        added = broker.llen(reminders) - queued_before
        if added > 0:  # the dispatch's messages, at the head of the list (LPUSH)
            broker.lpop(reminders, added)
    return lines


def run(token: str, project_id: int, scheme: str, year: int) -> list["Size"]:
    return [web(token, project_id, scheme), *celery_worker(year)]
