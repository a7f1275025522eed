"""What keeps floods and robots off the public complaint form, without a third-party service.

- **Per-address limits**: counters in Redis (the cache), one per client address and window
  (an hour, a day), fixed windows. A complaint takes a place in each before it is filed, and
  gives it back if it is then refused for what it says, so that a typo costs nothing; a sender
  over a limit is refused (429) before anything is written, and what he sent before stays.
  The address is kept only as a keyed hash, and only for the window.
- **A honeypot**: a field people do not see and robots fill in.
- **A minimum fill time**: the form carries the time it was shown, signed; a form sent back
  sooner than a person could read and fill it, or older than a few hours, is refused.

If Redis cannot be reached the limits are not applied (logged): a citizen's complaint matters
more than a robot's, and the honeypot and the fill time still stand.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from ..middleware import client_ip

log = logging.getLogger(__name__)
HONEYPOT = "website"
STARTED = "started"
_SALT = "hashar.complaint-form"


@dataclass(frozen=True)
class Window:
    name: str
    seconds: int
    limit: int


def windows() -> list[Window]:
    return [Window("hour", 3600, settings.COMPLAINTS_PER_IP_HOUR),
            Window("day", 86400, settings.COMPLAINTS_PER_IP_DAY)]


def _keys(request, now: float) -> list[tuple[str, Window]]:
    who = salted_hmac("hashar.complaint-throttle", client_ip(request)).hexdigest()[:32]
    return [(f"complaints:{w.name}:{int(now // w.seconds)}:{who}", w) for w in windows()]


class Throttle:
    """The places one request took in its address's windows (`take`), to keep or give back."""

    def __init__(self, request, *, now: float | None = None):
        self.keys = _keys(request, time.time() if now is None else now)
        self.taken: list[str] = []

    def take(self) -> bool:
        """Take a place in every window; False (and nothing taken) when one is full."""
        try:
            for key, window in self.keys:
                # add() sets the counter only if missing, so that incr() has a key to add to
                # (atomic in Redis: two requests at once count two)
                cache.add(key, 0, timeout=window.seconds + 60)
                count = cache.incr(key)
                self.taken.append(key)
                if count > window.limit:
                    self.give_back()
                    return False
        except Exception:  # Redis away: let the complaint in rather than lose it
            log.warning("complaint throttle unavailable; limits not applied", exc_info=True)
            self.taken = []
        return True

    def give_back(self) -> None:
        for key in self.taken:
            try:
                cache.decr(key)
            except Exception:  # expired or Redis away: the window forgets it anyway
                pass
        self.taken = []


def form_token(*, now: float | None = None) -> str:
    """The signed time at which the form was shown."""
    return signing.dumps({"t": time.time() if now is None else now}, salt=_SALT)


def token_problem(token: str, *, now: float | None = None) -> str | None:
    """None when the form was filled in a human time; else "fast", "old" or "bad"."""
    now = time.time() if now is None else now
    try:
        data = signing.loads(token or "", salt=_SALT,
                             max_age=settings.COMPLAINT_FORM_MAX_AGE_SECONDS)
        shown = float(data["t"])
    except signing.SignatureExpired:
        return "old"
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return "bad"
    if now - shown < settings.COMPLAINT_MIN_FILL_SECONDS:
        return "fast"
    if now - shown > settings.COMPLAINT_FORM_MAX_AGE_SECONDS:
        return "old"
    return None
