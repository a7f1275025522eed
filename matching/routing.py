"""Reads on read replicas, everything else on the primary: the database router.

With `DATABASE_REPLICA_URL` set (one URL or several, comma-separated; config/settings.py
makes them the aliases `replica_1`, `replica_2` ...), a request may read from a replica when

- it is a GET or HEAD of a page that shows public or aggregate data: the public project
  pages, the reports and their downloads, the API's reads (`REPLICA_PATHS`); or it is a
  whole-programme export job (`replica_reads()`);
- nothing has been written in it yet, and the read is not inside a transaction;
- its user has not written anything in the last `REPLICA_PIN_SECONDS` (read-your-writes: a
  signed cookie for the browser, and a key in the cache for the user, which also covers API
  clients that keep no cookies);
- the model is not one of PRIMARY_ONLY (log-ins, sessions, tokens, jobs: what a user has just
  written and reads back at once);
- and a replica is usable: it answered its last check, done at most every
  `REPLICA_CHECK_SECONDS`, and lagged less than `REPLICA_MAX_LAG_SECONDS` behind the primary
  (`pg_last_xact_replay_timestamp()`, or no lag at all when it has replayed all it received).

Anything else reads from the primary, and every write goes there. A replica that fails the
check (down, or too far behind) is skipped with one log line, and taken back with another when
it is well again. A request whose replica fails under it (stopped, or a query cancelled by
recovery) is run again on the primary by the middleware: a GET loses nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import random
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import DatabaseError, connections
from django.http import HttpResponse

log = logging.getLogger("matching.routing")
PRIMARY = "default"
PIN_COOKIE = "hashar_primary"
PIN_SALT = "hashar.routing.pin"
SAFE_METHODS = ("GET", "HEAD")
# what a user writes and reads back at once, or what authenticates him: never from a replica
PRIMARY_ONLY = frozenset({
    "matching.User", "sessions.Session", "knox.AuthToken", "axes.AccessAttempt",
    "axes.AccessLog", "axes.AccessFailureLog", "matching.Job", "matching.IdempotencyKey",
    "matching.OutboxMessage", "matching.ImportBatch", "matching.ImportRow",
})


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- the state of one request (or job) -----------------------------------------------------

@dataclass
class State:
    replica_ok: bool = False  # the request may read from a replica at all
    pinned: bool | None = False  # None: not decided yet (the user's key in the cache)
    wrote: bool = False
    chosen: str | None = None  # the replica this request reads from, once picked
    failed: str | None = None  # the replica that failed under this request
    user: object = None  # the request, to find its user when `pinned` is None


_state: contextvars.ContextVar[State | None] = contextvars.ContextVar("hashar_routing",
                                                                      default=None)


def current() -> State | None:
    return _state.get()


@contextlib.contextmanager
def using_state(state: State):
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def replica_reads():
    """For work outside a request that only reads public data (an export job)."""
    return using_state(State(replica_ok=bool(replicas())))


def read_alias() -> str:
    """Where the next read goes: a usable replica, or the primary."""
    state = _state.get()
    if state is None or not state.replica_ok or state.wrote or state.failed:
        return PRIMARY
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    if state.pinned is None:
        state.pinned = _user_pinned(state.user)
    if state.pinned:
        return PRIMARY
    if state.chosen is None or not health.usable(state.chosen):
        state.chosen = health.pick()
    return state.chosen or PRIMARY


def wrote() -> None:
    """Something was written: the rest of the request reads from the primary."""
    state = _state.get()
    if state is not None:
        state.wrote = True


def replica_failed(alias: str, error: Exception) -> None:
    """A replica's connection or query failed: skip it, and run the request again."""
    health.down(alias, error)
    state = _state.get()
    if state is not None and state.chosen == alias:
        state.failed, state.chosen = alias, None


class Router:
    """settings.DATABASE_ROUTERS: reads as `read_alias()` decides, writes to the primary,
    migrations on the primary only (replicas copy them)."""

    def db_for_read(self, model, **hints):
        if model._meta.label in PRIMARY_ONLY:
            return PRIMARY
        return read_alias()

    def db_for_write(self, model, **hints):
        wrote()
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, copied

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


# --- read-your-writes --------------------------------------------------------------------

def pin_seconds() -> float:
    return _setting("REPLICA_PIN_SECONDS", 15)


def _pin_key(user_id) -> str:
    return f"routing:primary-pin:{user_id}"


def _user_pinned(request) -> bool:
    """Whether the request's user wrote in the last few seconds, on any web server (the
    cache); when the cache does not answer, assume he did."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    from django.core.cache import cache  # noqa: PLC0415

    try:
        return cache.get(_pin_key(user.pk)) is not None
    except Exception:  # noqa: BLE001 - no cache: the primary is always right
        return True


def pin(request, response) -> None:
    """After a request that wrote: its user reads from the primary for a few seconds."""
    seconds = pin_seconds()
    response.set_signed_cookie(PIN_COOKIE, str(int(time.time() + seconds)), salt=PIN_SALT,
                               max_age=int(seconds), httponly=True, samesite="Lax",
                               secure=getattr(settings, "SESSION_COOKIE_SECURE", False))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from django.core.cache import cache  # noqa: PLC0415

        try:
            cache.set(_pin_key(user.pk), 1, timeout=int(seconds) + 1)
        except Exception:  # noqa: BLE001 - the cookie still pins a browser
            log.warning("could not record user %s's recent write in the cache", user.pk)


def _cookie_pinned(request) -> bool:
    try:
        until = request.get_signed_cookie(PIN_COOKIE, salt=PIN_SALT, max_age=pin_seconds())
    except (KeyError, signing.BadSignature):
        return False
    return until.isdigit() and int(until) > time.time()


class ReplicaMiddleware:
    """Sets each request's routing state; pins the user after a write; runs a GET again on
    the primary when its replica failed under it. Placed before the sessions and the
    authentication, so that the retry runs them again too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        eligible = (bool(replicas()) and request.method in SAFE_METHODS
                    and request.path.startswith(tuple(getattr(settings, "REPLICA_PATHS", ()))))
        state = State(replica_ok=eligible and not _cookie_pinned(request),
                      pinned=None if eligible else False, user=request)
        with using_state(state):
            response = self.get_response(request)
        if state.failed is not None and request.method in SAFE_METHODS:
            log.warning("replica %s failed during %s %s: answered from the primary",
                        state.failed, request.method, request.path)
            with using_state(State(replica_ok=False, user=request)) as state:
                response = self.get_response(request)
        if state.wrote or request.method not in SAFE_METHODS:
            pin(request, response)
        return response

    def process_exception(self, request, exception):
        """A view that failed because its replica did: no error page, no error report (the
        request is answered again from the primary, in __call__)."""
        if replica_failed_under(request):
            return HttpResponse(status=503)
        return None


def replica_failed_under(request) -> bool:
    """Whether the replica of this GET failed under it (the middleware runs it again)."""
    state = _state.get()
    return state is not None and state.failed is not None and request.method in SAFE_METHODS


# --- the replicas' health ----------------------------------------------------------------

LAG_SQL = """
SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"""


@dataclass
class Health:
    ok: bool
    checked: float  # time.monotonic()
    why: str = ""


class Replicas:
    """Each replica's last check, per process; checked again at most every
    REPLICA_CHECK_SECONDS (a down one too: a dead host costs at most one connect timeout per
    interval and process)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.known: dict[str, Health] = {}

    def pick(self) -> str | None:
        usable = [alias for alias in replicas() if self.usable(alias)]
        return random.choice(usable) if usable else None

    def usable(self, alias: str) -> bool:
        now = time.monotonic()
        known = self.known.get(alias)
        if known is not None and now - known.checked < _setting("REPLICA_CHECK_SECONDS", 5):
            return known.ok
        ok, why = self._check(alias)
        self._record(alias, ok, why)
        return ok

    def down(self, alias: str, error: Exception) -> None:
        self._record(alias, False, f"failed: {error}".strip())
        with contextlib.suppress(Exception):
            connections[alias].close()

    def _check(self, alias: str) -> tuple[bool, str]:
        bound = _setting("REPLICA_MAX_LAG_SECONDS", 5)
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(LAG_SQL)
                (lag,) = cursor.fetchone()
        except DatabaseError as error:
            with contextlib.suppress(Exception):
                connections[alias].close()
            return False, f"unreachable: {str(error).strip().splitlines()[0] if str(error) else type(error).__name__}"
        if lag is None:
            return False, "has replayed nothing yet"
        if float(lag) > bound:
            return False, f"{float(lag):.1f} s behind the primary (bound {bound:g} s)"
        return True, f"{float(lag):.1f} s behind"

    def _record(self, alias: str, ok: bool, why: str) -> None:
        with self.lock:
            before = self.known.get(alias)
            self.known[alias] = Health(ok=ok, checked=time.monotonic(), why=why)
        if before is None or before.ok != ok:
            if ok:
                log.info("replica %s in use (%s)", alias, why)
            else:
                log.warning("replica %s skipped: %s; reading from the primary", alias, why)

    def forget(self) -> None:
        with self.lock:
            self.known.clear()


health = Replicas()
