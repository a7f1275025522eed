"""The security log ("matching.security"): every login, every failed login and every refused
request, with the user, the client's IP and the UTC time, in one format for the API and the
web pages (the API's views write theirs from `matching.api.base.ScopedMixin`)."""

import datetime
import logging

from django.conf import settings
from django.shortcuts import resolve_url
from django.utils import timezone

from .middleware import client_ip

log = logging.getLogger("matching.security")

# web areas whose 404 can mean "exists, but not yours" (scoped look-ups answer 404, not 403)
SCOPED_AREAS = ("/clerk/", "/officer/", "/files/", "/imports/", "/reminders/", "/api/")


def _now() -> str:
    return timezone.now().astimezone(datetime.UTC).isoformat()


def _username(request) -> str:
    user = getattr(request, "user", None)
    return user.username if user is not None and user.is_authenticated else "-"


def log_login(request, user) -> None:
    log.info("login: user=%s ip=%s at=%s", user.username, client_ip(request), _now())


def log_refusal(request, status: int, reason: str) -> None:
    log.warning("authorisation refused: status=%s user=%s ip=%s path=%s at=%s %s", status,
                _username(request), client_ip(request), request.path, _now(), reason)


class SecurityLogMiddleware:
    """Log what the web pages refuse: 403, a 404 inside a scoped area, and a page that needs
    a login. The API logs its own 401 and 403 (with DRF's reason); its 404s are logged here,
    since an object outside the caller's scope answers 404 there too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status, path = response.status_code, request.path
        api = path.startswith("/api/")
        if status == 403 and not api:
            log_refusal(request, status, "forbidden")
        elif status == 404 and path.startswith(SCOPED_AREAS) and _username(request) != "-":
            log_refusal(request, status, "not found or out of scope")
        elif (status == 302 and not api and _username(request) == "-"
              and response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))):
            log_refusal(request, status, "login required")
        return response
