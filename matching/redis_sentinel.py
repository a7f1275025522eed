"""Redis Sentinel for the broker and the cache (settings: REDIS_SENTINELS,
REDIS_SENTINEL_MASTER).

With sentinels configured, nothing talks to a fixed Redis address: Celery's broker (kombu's
`sentinel://` transport) and the cache (`SentinelPool`, a redis-py sentinel pool that
Django's RedisCache builds from REDIS_URL) ask the sentinels for the current master, and ask
again when it fails over. REDIS_URL still gives the database number and the password.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from redis.sentinel import Sentinel, SentinelConnectionPool

TIMEOUT = 5  # seconds: a sentinel or a master that does not answer


def _parts(redis_url: str) -> tuple[int, str | None]:
    parts = urlsplit(redis_url)
    path = parts.path.strip("/")
    return (int(path) if path.isdigit() else 0), parts.password


def _address(sentinel: str) -> tuple[str, int]:
    host, _, port = sentinel.rpartition(":")
    return host.strip("[]"), int(port)


def broker_url(redis_url: str, sentinels: list[str]) -> str:
    """kombu's form: `sentinel://:password@host:port/db;sentinel://...` (the master's name goes
    in the transport options)."""
    db, password = _parts(redis_url)
    auth = f":{quote(password, safe='')}@" if password else ""
    return ";".join(f"sentinel://{auth}{sentinel}/{db}" for sentinel in sentinels)


def sentinel_kwargs(redis_url: str) -> dict:
    """How to talk to the sentinels themselves (the same password, when there is one)."""
    _db, password = _parts(redis_url)
    return {"socket_timeout": TIMEOUT, **({"password": password} if password else {})}


class SentinelPool(SentinelConnectionPool):
    """The cache's connection pool: connections to whichever server the sentinels name as
    the master of REDIS_SENTINEL_MASTER (Django's RedisCache calls `from_url(LOCATION)`)."""

    @classmethod
    def from_url(cls, url: str, **options):
        from django.conf import settings  # noqa: PLC0415

        db, password = _parts(url)
        sentinel = Sentinel([_address(s) for s in settings.REDIS_SENTINELS],
                            sentinel_kwargs=sentinel_kwargs(url), socket_timeout=TIMEOUT)
        return cls(settings.REDIS_SENTINEL_MASTER, sentinel, db=db, password=password,
                   socket_timeout=TIMEOUT, **options)
