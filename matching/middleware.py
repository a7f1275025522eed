"""Request middleware."""

from pghistory.middleware import HistoryMiddleware


def client_ip(request) -> str:
    # behind the production proxy the client is the first X-Forwarded-For hop
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


class AuditContextMiddleware(HistoryMiddleware):
    """Attach who, from where and through which URL to every audit event of the request."""

    def get_context(self, request):
        return {**super().get_context(request), "ip": client_ip(request),
                "method": request.method}
