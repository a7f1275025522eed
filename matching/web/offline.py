"""The clerk's pages as an installable web app that works offline.

A service worker (`/sw.js`, controlling `/clerk/`) keeps the static files and the pages she
opened; pledges, receipts, progress reports and evidence typed offline wait in the browser's queue
(static/hashar/queue.js) with their own `Idempotency-Key` and are sent through the API (the
same services as the pages) when the connection returns. The queue page shows them.
"""

import functools
import hashlib
import json

from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..models import Role
from .common import clerk_required

SCOPE = "/clerk/"
# what every clerk page loads, kept by the worker when it installs
ASSETS = ["hashar/hashar.css", "vendor/htmx/htmx-2.0.7.min.js", "hashar/queue.js",
          "hashar/photos.js", "hashar/offline.js", "hashar/queue_page.js"]


@functools.cache
def _worker_source() -> str:
    with open(finders.find("hashar/sw.js"), encoding="utf-8") as source:
        return source.read()


@functools.cache
def _version() -> str:
    """Changes whenever the worker or a file it keeps changes (in production the files' URLs
    carry their hash too), so that a deploy replaces the kept copies."""
    digest = hashlib.sha256(_worker_source().encode())
    for name in ASSETS:
        with open(finders.find(name), "rb") as asset:
            digest.update(asset.read())
    return digest.hexdigest()[:16]


@require_GET
@never_cache
def service_worker(request):
    """The worker's script from the site's root, so that its scope may cover /clerk/; the
    browser checks it for updates on every navigation (never cached)."""
    settings_line = "self.HASHAR = " + json.dumps({
        "version": _version(), "assets": [static(name) for name in ASSETS],
        "queue": static("hashar/queue.js"), "staticPrefix": static(""), "scope": SCOPE,
        "dashboard": request.build_absolute_uri(reverse("clerk-dashboard")),
        "queuePage": request.build_absolute_uri(reverse("clerk-queue"))}) + ";\n"
    response = HttpResponse(settings_line + _worker_source(),
                            content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
def manifest(request):
    """The web app manifest: installed, the app opens on the clerk's dashboard."""
    return JsonResponse({
        "name": _("Hashar: the mahalla clerk's entries"), "short_name": "Hashar",
        "start_url": reverse("clerk-dashboard"), "scope": SCOPE, "display": "standalone",
        "background_color": "#ffffff", "theme_color": "#0b5a7a",
        "icons": [{"src": static("hashar/icon-192.png"), "sizes": "192x192",
                   "type": "image/png"},
                  {"src": static("hashar/icon-512.png"), "sizes": "512x512",
                   "type": "image/png", "purpose": "any maskable"}],
    }, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


@clerk_required
def queue(request):
    """What waits on this phone, what was sent, what the server refused: drawn by the
    browser from its own queue (the server does not know it until it is sent)."""
    return render(request, "web/clerk/queue.html")


def texts() -> dict:
    """The scripts' messages, in the page's language."""
    return {
        "offline": _("You are offline: what you record is kept on this phone and sent when "
                     "the connection returns."),
        "waiting": _("Waiting on this phone to be sent: %(n)s."),
        "refused_count": _("Refused by the server, to correct: %(n)s."),
        "kept": _("Kept on this phone: it will be sent when the connection returns. You "
                  "may record the next one."),
        "saving": _("Saving…"),
        "preparing": _("Preparing the photos…"),
        "sending": _("Sending… %(p)s"),
        "sent": _("Sent and recorded."),
        "failed": _("It could not be kept on this phone: try again."),
        "correct": _("Please correct what is marked below: what you typed is kept."),
        "amount": _("Not a valid amount: write it as shown under the field."),
        "kinds": {"pledge": _("Pledge"), "receipt": _("Receipt"),
                  "progress": _("Progress report"), "evidence": _("Evidence")},
        "states": {"waiting": _("waiting"), "sent": _("sent"),
                   "refused": _("refused by the server")},
        "note_waiting": _("It will be sent when the connection returns."),
        "note_offline": _("No connection yet: it will be sent when the connection returns."),
        "note_login": _("Log in again to send it."),
        "note_server": _("The server did not take it yet; it will be tried again."),
        "other_user": _("Typed by %(user)s: it is sent when %(user)s logs in on this phone."),
        "typed_at": _("Typed on %(at)s."),
        "sent_at": _("Sent on %(at)s."),
        "correct_button": _("Correct it"),
        "discard": _("Discard"),
        "discard_confirm": _("Discard this entry? What it holds will be lost."),
        "empty": _("Nothing waits to be sent."),
    }


def offline(request) -> dict:
    """Context processor: the clerk's pages carry the offline app's settings and texts."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated and user.role == Role.CLERK):
        return {}
    return {"offline_app": {
        "sw": reverse("service-worker"), "scope": SCOPE, "user": user.get_username(),
        "keep": [reverse("clerk-dashboard"), reverse("clerk-queue")],
        "group": formats.get_format("THOUSAND_SEPARATOR"), "text": texts()}}
