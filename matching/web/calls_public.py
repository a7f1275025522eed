"""The public pages of calls, open to everyone: the calls past their draft with their criteria
and published weights; after the decisions, every application with its scores per criterion,
the proposal beside the greedy ranking, the decision and its reason, selected or not; and the
published minutes of each session. No personal names: members are "Member 1, 2 ..."."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ..models import Call, CallStatus, SessionStatus
from ..standings import standings
from .allocation_view import present
from .minutes import minutes


@require_GET
def call_list(request):
    calls = Call.objects.public().select_related("scheme", "region").order_by("-opens_on", "-id")
    return render(request, "calls/list.html", {"calls": calls})


@require_GET
def call_detail(request, code):
    call = get_object_or_404(Call.objects.public().select_related("scheme", "region"), code=code)
    context = {"call": call, "criteria": call.criteria.all(),
               "envelopes": call.envelopes.select_related("funder").order_by("funder__name"),
               "sessions": call.sessions.filter(status=SessionStatus.PUBLISHED)
               .order_by("number")}
    if call.status == CallStatus.DECIDED:
        decisions = {d.application_id: d for d in call.decisions.select_related("run")}
        run = next(iter(decisions.values())).run if decisions else None
        context.update(
            standings=[{"standing": s, "decision": decisions.get(s.application.pk)}
                       for s in standings(call)],
            withdrawn=call.applications.filter(withdrawn_at__isnull=False)
            .select_related("project"),
            view=present(run, call.scheme.currency) if run else None)
    return render(request, "calls/detail.html", context)


@require_GET
def minutes_page(request, code, number):
    session = get_object_or_404(
        call_sessions().select_related("call__scheme"), call__code=code, number=number)
    return render(request, "calls/minutes.html", {"minutes": minutes(session, names=False),
                                                  "public": True})


def call_sessions():
    from ..models import CommitteeSession  # noqa: PLC0415

    return CommitteeSession.objects.filter(status=SessionStatus.PUBLISHED,
                                           call__in=Call.objects.public())
