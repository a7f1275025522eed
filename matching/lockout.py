"""What a client locked out by django-axes (too many failed logins) is told: the API's JSON
error shape under /api/, a translated page elsewhere; 429 either way."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def locked_out(request, credentials=None, *args, **kwargs):
    hours = settings.AXES_COOLOFF_TIME
    message = _("Too many failed logins from this address for this user. Try again in "
                "%(hours)s hour(s), or ask your administrator to unlock the account.") % {
        "hours": hours}
    if request.path.startswith("/api/"):
        return JsonResponse({"type": "client_error", "errors": [
            {"code": "locked_out", "detail": message, "attr": None}]}, status=429)
    return render(request, "web/locked_out.html", {"message": message}, status=429)
