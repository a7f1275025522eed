"""In-app reminders: each user's own pending list, and the overdue tranches of an officer's
district. Thin views: scoping is in the queries, writes in dispatch.reminder_mark_done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import policies
from ..errors import ServiceError
from ..models import Reminder, ReminderStatus, Tranche
from ..services.projects import OPEN_STATES
from .dispatch import reminder_mark_done
from .planning import zone

PAGE = 200


def _today(user):
    return timezone.localdate(timezone.now(), zone(user.timezone))


@login_required
def reminder_list(request):
    reminders = (Reminder.objects.filter(recipient=request.user, done_at__isnull=True)
                 .exclude(status=ReminderStatus.CANCELLED)
                 .select_related("project").order_by("-due_at", "-id")[:PAGE])
    return render(request, "reminders/list.html", {"reminders": reminders})


@login_required
@require_POST
def reminder_done(request, pk: int):
    try:
        reminder_mark_done(actor=request.user, reminder_id=pk)
    except Reminder.DoesNotExist:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked as done."))
    return redirect("reminders:list")


@login_required
def overdue_tranches(request):
    """Unpaid tranches past their due date in the officer's district (an administrator's
    region)."""
    user = request.user
    today = _today(user)
    if not policies.is_officer_like(user):
        raise PermissionDenied(_("Only officers and administrators see overdue tranches."))
    tranches = (Tranche.objects.visible_to(user).overdue(today)
                .filter(commitment__project__status__in=OPEN_STATES)
                .select_related("commitment__project__mahalla")
                .order_by("due_on", "id"))
    rows = [{"tranche": t, "project": t.commitment.project, "days": (today - t.due_on).days,
             "left": t.amount - t.disbursed} for t in tranches[:PAGE]]
    return render(request, "reminders/overdue_tranches.html", {"rows": rows})
