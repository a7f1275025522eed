"""A call's sessions, allocation and decisions on the administrators' pages: attendance and
votes, the minutes (previewed with names, published without), the proposal beside the greedy
ranking (solved in a background job), and the decisions recorded in one action in a held
session."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ... import services
from ...errors import ServiceError
from ...models import Application, Call, CallStatus, CommitteeSession, Job, JobKind, SessionStatus
from ...services.jobs import allocation_job_start
from ...services.selection import tallies
from ...services.sessions import quorate
from ..allocation_view import present
from ..call_forms import AllocationForm, AttendanceForm, DecisionsForm, VotesForm
from ..common import submit
from ..minutes import minutes
from .common import admin_required, managed


def _session(request, pk) -> CommitteeSession:
    session = get_object_or_404(CommitteeSession.objects.select_related("call__scheme"), pk=pk)
    managed(Call.objects.all(), request.user, pk=session.call_id)  # 404 outside his region
    return session


def _voters(session, application):
    """The present members who may vote on the application (no declared interest in it)."""
    from ... import policies  # noqa: PLC0415

    return [a.member for a in session.attendance.select_related("member__user")
            if not policies.interested(a.member, application)]


@admin_required
def session_detail(request, pk):
    session = _session(request, pk)
    call = session.call
    form = AttendanceForm(request.POST or None, session=session, initial={
        "present": [a.member for a in session.attendance.all()], "notes": session.notes})
    done, _s, status = submit(request, form, lambda data: services.session_attendance(
        actor=request.user, session=session, present=data["present"], notes=data["notes"]))
    if done:
        messages.success(request, _("The attendance and notes were saved."))
        return redirect("setup-session", pk=session.pk)
    voting = (session.status == SessionStatus.HELD and call.status == CallStatus.CLOSED
              and quorate(session))
    ballots = []
    if voting:
        for application in call.applications.active().select_related("project"):
            ballots.append({"application": application,
                            "form": VotesForm(members=_voters(session, application),
                                              prefix=f"a{application.pk}", initial={
                                                  f"member_{v.member_id}": v.choice
                                                  for v in session.votes.filter(
                                                      application=application)})})
    return render(request, "setup/calls/session.html", {
        "session": session, "call": call, "form": form, "ballots": ballots,
        "minutes": minutes(session, names=True), "quorate": quorate(session)}, status=status)


@admin_required
@require_POST
def votes(request, pk, application):
    session = _session(request, pk)
    application = get_object_or_404(Application, pk=application, call=session.call)
    form = VotesForm(request.POST, members=_voters(session, application),
                     prefix=f"a{application.pk}")
    try:
        if not form.is_valid():
            raise ServiceError(_("Choose a vote for each member who voted."))
        services.votes_record(actor=request.user, session=session, application=application,
                              votes=form.votes())
    except ServiceError as error:
        messages.error(request, f"{application.project.code}: {error.message}")
    else:
        messages.success(request, _("The votes on %(code)s were recorded.") % {
            "code": application.project.code})
    return redirect("setup-session", pk=session.pk)


@admin_required
@require_POST
def session_publish(request, pk):
    session = _session(request, pk)
    try:
        services.session_publish(actor=request.user, session=session)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The minutes are published."))
    return redirect("setup-session", pk=session.pk)


@admin_required
def allocation(request, pk):
    call = managed(Call.objects.select_related("scheme"), request.user, pk=pk)
    form = AllocationForm(request.POST or None)
    done, job, status = submit(request, form, lambda data: allocation_job_start(
        actor=request.user, call=call, time_limit=data["time_limit"]))
    if done:  # the solver may take minutes: the job's page follows it
        return redirect("jobs:detail", pk=job.pk)
    run = call.runs.order_by("-created_at", "-id").first()
    return render(request, "setup/calls/allocation.html", {
        "call": call, "form": form,
        "running": Job.objects.unfinished().filter(kind=JobKind.ALLOCATION,
                                                   params__call=call.pk).first(),
        "view": present(run, call.scheme.currency) if run else None}, status=status)


@admin_required
def decide(request, pk):
    session = _session(request, pk)
    call = session.call
    run = call.runs.order_by("-created_at", "-id").first()
    if run is None or call.status != CallStatus.CLOSED:
        messages.error(request, _("Propose an allocation first.") if run is None else
                       _("Only a closed call that is not yet decided can be decided."))
        return redirect("setup-call", pk=call.pk)
    votes_by = tallies(call)
    view = present(run, call.scheme.currency)
    rows = [{**row, "votes": votes_by.get(row["application"].pk)} for row in view["rows"]]
    form = DecisionsForm(request.POST or None, rows=rows)
    done, _rows, status = submit(request, form, lambda data: services.call_decide(
        actor=request.user, call=call, session=session, decisions=form.decisions()))
    if done:
        messages.success(request, _("The decisions are recorded and the results published."))
        return redirect("setup-session", pk=session.pk)
    return render(request, "setup/calls/decide.html", {
        "session": session, "call": call, "form": form, "view": view}, status=status)
