"""Rate limits: per token for API clients, per address for the anonymous, and for logins.

Every answer of a throttled view says where its caller stands, in the IETF RateLimit header
fields (draft-ietf-httpapi-ratelimit-headers):

    RateLimit-Policy: 600;w=60        the limit and its window in seconds
    RateLimit-Limit: 600
    RateLimit-Remaining: 597
    RateLimit-Reset: 42               seconds until the window frees a request

and a 429 adds `Retry-After` (seconds). A token is counted on its own (knox's token key), so an
association's two integrations do not starve each other; a session (the browser on Swagger UI)
is counted per user. The rates come from API_RATE_ANON, API_RATE_USER and API_RATE_LOGIN
(README "Configuration"), read when a request is throttled, not at import.

The counts live in the cache (Redis). While Redis is down a request is let through uncounted
(and logged), never refused with a 500: money is recorded in PostgreSQL, and the outbox holds
the notifications until Redis returns (README "Reliability").
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from ..middleware import client_ip

logger = logging.getLogger(__name__)


class _Counted(SimpleRateThrottle):
    """DRF's sliding-window throttle, which keeps what the RateLimit headers need."""

    def get_rate(self):
        return settings.API_RATES[self.scope]

    def get_ident(self, request):
        # the address the logs and axes use: X-Forwarded-For only as far as our proxies
        # wrote it (DRF's own reading would let a client name any address it likes)
        return client_ip(request._request if hasattr(request, "_request") else request)

    def allow_request(self, request, view):
        try:
            allowed = super().allow_request(request, view)
        except RedisError:
            logger.warning("rate limit %s not counted: the cache is unavailable", self.scope)
            return True
        if self.key is not None:
            remaining = max(self.num_requests - len(self.history), 0)
            reset = (math.ceil(self.duration - (self.now - self.history[-1]))
                     if self.history else 0)
            state = (remaining, self.num_requests, self.duration, max(reset, 0))
            previous = getattr(request, "_rate_limit", None)
            if previous is None or state[0] < previous[0]:
                request._rate_limit = state  # the tightest of the view's throttles
        return allowed


class AnonThrottle(_Counted):
    """Callers without credentials, by address (the proxy-aware one, as axes counts)."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenThrottle(_Counted):
    """Authenticated callers, per API token (per user for a browser session)."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        token_key = getattr(request.auth, "token_key", None)
        ident = f"token-{token_key}" if token_key else f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LoginThrottle(_Counted):
    """Login attempts, per address, on top of axes' lock-out per user name and address."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def rate_limit_headers(request) -> dict[str, str]:
    state = getattr(request, "_rate_limit", None)
    if state is None:
        return {}
    remaining, limit, window, reset = state
    return {"RateLimit-Policy": f"{limit};w={window}", "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(remaining), "RateLimit-Reset": str(reset)}
