"""What a client locked out by django-axes (too many failed logins) is told: 429 with
Retry-After, in the API's JSON error shape under /api/ (the same as any throttled request:
code `throttled`), a translated page elsewhere."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import Throttled


class LockedOut(Throttled):
    """axes' lock-out in the API, answered like every other 429: code `throttled`, with
    Retry-After (raised by the login view, rendered here when axes answers itself)."""

    logged = True
    default_detail = gettext_lazy("Too many failed logins for this user name from this "
                                  "address.")


def lockout_seconds() -> int:
    """How long a lock-out lasts (AXES_COOLOFF_TIME, in hours)."""
    return int(settings.AXES_COOLOFF_TIME * 3600)


def locked_out(request, credentials=None, *args, **kwargs):
    hours = settings.AXES_COOLOFF_TIME
    seconds = lockout_seconds()
    if request.path.startswith("/api/"):
        # DRF's Throttled detail, as the login view raises it (views/auth.LockedOut)
        error = LockedOut(wait=seconds)
        response = JsonResponse({"type": "client_error", "errors": [
            {"code": error.default_code, "detail": str(error.detail), "attr": None}]},
            status=429)
    else:
        message = _("Too many failed logins from this address for this user. Try again in "
                    "%(hours)s hour(s), or ask your administrator to unlock the account.") % {
            "hours": hours}
        response = render(request, "web/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
