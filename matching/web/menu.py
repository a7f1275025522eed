"""The site menu: every page a role may use, in one place (a context processor, so that every
page rendered with its request carries it; the 500 page, rendered without, shows the bare
layout)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .. import policies
from ..imports import may_import
from ..models import ImportKind, Role


def _items(user) -> list[tuple[str, str]]:
    items = [(reverse("public-projects"), _("Public projects")),
             (reverse("public-calls"), _("Calls")),
             (reverse("reports:index"), _("Reports"))]
    role = policies.role_of(user)
    if role is None:
        return items
    if role == Role.CLERK:
        items += [(reverse("clerk-dashboard"), _("My mahallas")),
                  (reverse("clerk-queue"), _("The queue on this phone"))]
    if role in policies.OFFICERS:
        items += [(reverse("officer-queue"), _("Review queue")),
                  (reverse("officer-overdue"), _("Overdue tranches")),
                  (reverse("officer-complaints"), _("Complaints"))]
    if role == Role.ASSOCIATION:
        items.append((reverse("association-home"), _("My association")))
    if role == Role.COMMITTEE:
        items.append((reverse("committee-home"), _("My committee")))
    if role == Role.ADMINISTRATOR:
        items.append((reverse("setup"), _("Programme setup")))
    if role in (Role.AUDITOR, Role.ADMINISTRATOR):
        items.append((reverse("audit-home"), _("Audit")))
    if policies.role_may(user, "outbox_read"):
        items.append((reverse("outbox"), _("Outbox")))
    items.append((reverse("reminders:list"), _("Reminders")))
    items.append((reverse("account-notifications"), _("Notifications")))
    items.append((reverse("jobs:list"), _("My jobs")))
    if role in (Role.AUDITOR, Role.ADMINISTRATOR) or any(may_import(user, k) for k in ImportKind):
        items.append((reverse("imports:index"), _("Imports")))
    if user.is_staff:
        items.append((reverse("admin:index"), _("Administration")))
    return items


def menu(request) -> dict:
    user = getattr(request, "user", None)
    path = request.path
    items = _items(user)
    # the item whose address is the longest start of the page's (the queue, not "My mahallas")
    current = max((url for url, _label in items if path.startswith(url)), key=len, default=None)
    return {"menu": [{"url": url, "label": label, "current": url == current}
                     for url, label in items]}
