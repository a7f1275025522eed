"""Request middleware."""

from django.middleware.gzip import GZipMiddleware
from django.conf import settings
from pghistory.middleware import HistoryMiddleware


def client_ip(request) -> str:
    """The client's address, for the audit trail, the security log and axes' lock-outs.

    X-Forwarded-For is believed only as far as our own proxies wrote it: each of the
    PROXY_HOPS proxies in front of us appends the address it saw, so the client is the
    PROXY_HOPS-th entry from the right. The left-most entry is whatever the client sent (a
    forged one would otherwise hide the caller in the logs and dodge the lock-out per IP).
    """
    hops = settings.PROXY_HOPS
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                 if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


class AuditContextMiddleware(HistoryMiddleware):
    """Attach who, from where and through which URL to every audit event of the request."""

    def get_context(self, request):
        return {**super().get_context(request), "ip": client_ip(request),
                "method": request.method}


class PageGZipMiddleware(GZipMiddleware):
    """Pages compressed (a clerk on 2G: a page is four times smaller). Django's gzip pads
    each answer at random against BREACH, and CSRF tokens are masked per page.

    The API's answers are left as they are: its integrators and its contract tests
    (schemathesis' WSGI transport asks for gzip and does not decode it) read them as sent,
    and a proxy in front may compress them."""

    def process_response(self, request, response):
        if request.path.startswith("/api/"):
            return response
        return super().process_response(request, response)
