"""The outbox's troubles, for administrators and auditors: messages whose handlers failed
(retrying with backoff) and messages dead-lettered after OUTBOX_MAX_ATTEMPTS failures, each
with its attempts and last error. An administrator replays a message from here."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import outbox, policies
from ..errors import ServiceError
from ..models import OutboxMessage
from .common import role_required

PAGE_SIZE = 50
SHOWN = {"dead": OutboxMessage.objects.dead, "failing": OutboxMessage.objects.failing}


@role_required(lambda user: policies.role_may(user, "outbox_read"))
def message_list(request):
    show = request.GET.get("show") if request.GET.get("show") in SHOWN else "dead"
    page = Paginator(SHOWN[show]().order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/outbox.html", {
        "page": page, "show": show, "dead_count": OutboxMessage.objects.dead().count(),
        "failing_count": OutboxMessage.objects.failing().count(),
        "may_replay": policies.role_may(request.user, "outbox_replay")})


@role_required(lambda user: policies.role_may(user, "outbox_replay"))
@require_POST
def message_replay(request, pk):
    message = get_object_or_404(OutboxMessage, pk=pk)
    try:
        outbox.message_replay(message=message, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message %(id)s was sent again.") % {"id": message.pk})
    return redirect("outbox")
