"""Calls for applications on the administrators' pages: the list, a new call or a draft's
changes (criteria as a formset), a call's page (its state and what to do next: open, close,
members, sessions, allocation), in the administrator's region only."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ... import services
from ...errors import ServiceError
from ...models import Call, CallStatus, CommitteeMember
from ...standings import standings
from ..call_forms import CallForm, MemberForm, SessionForm, criteria_formset, criteria_of
from ..common import add_service_error, submit
from .common import admin_required, managed


def _call(request, pk):
    return managed(Call.objects.select_related("scheme", "region"), request.user, pk=pk)


@admin_required
def call_list(request):
    calls = (Call.objects.managed_by(request.user).select_related("scheme", "region")
             .annotate(applied=Count("applications", filter=Q(
                 applications__withdrawn_at__isnull=True)))
             .order_by("-opens_on", "-id"))
    return render(request, "setup/calls/list.html", {"calls": calls})


def _save(request, form, formset, call=None):
    """Validate the call's form and its criteria; the service's refusal about the criteria
    lands above the formset."""
    if request.method != "POST":
        return False, None, 200
    if not (form.is_valid() and formset.is_valid()):
        return False, None, 400
    data = form.cleaned_data
    fields = {k: data.get(k) for k in ("code", "scheme", "region", "title", "description",
                                       "opens_on", "closes_on", "quorum") if k in data}
    try:
        return True, services.call_save(actor=request.user, call=call, fields=fields,
                                        envelopes=data["envelopes"],
                                        criteria=criteria_of(formset)), 200
    except ServiceError as error:
        if error.field == "criteria":
            formset._non_form_errors = formset.error_class([error.message])
        else:
            add_service_error(form, error)
        return False, None, error.status


@admin_required
def call_new(request):
    form = CallForm(request.POST or None, user=request.user)
    formset = criteria_formset(request.POST or None)
    done, call, status = _save(request, form, formset)
    if done:
        messages.success(request, _("The call was saved as a draft: open it when it is "
                                    "ready."))
        return redirect("setup-call", pk=call.pk)
    return render(request, "setup/calls/form.html", {"form": form, "criteria": formset},
                  status=status)


@admin_required
def call_edit(request, pk):
    call = _call(request, pk)
    if call.status != CallStatus.DRAFT:
        messages.error(request, _("Only a draft call can be changed: its criteria and weights "
                                  "were published when it opened."))
        return redirect("setup-call", pk=call.pk)
    initial = {"title": call.title, "description": call.description, "opens_on": call.opens_on,
               "closes_on": call.closes_on, "quorum": call.quorum,
               "envelopes": list(call.envelopes.all())}
    form = CallForm(request.POST or None, user=request.user, call=call, initial=initial)
    formset = criteria_formset(request.POST or None, call=call)
    done, call, status = _save(request, form, formset, call=call) if request.method == "POST" \
        else (False, call, 200)
    if done:
        messages.success(request, _("The draft was saved."))
        return redirect("setup-call", pk=call.pk)
    return render(request, "setup/calls/form.html", {"form": form, "criteria": formset,
                                                     "call": call}, status=status)


@admin_required
def call_detail(request, pk):
    call = _call(request, pk)
    today = timezone.localdate()
    table = standings(call) if call.status != CallStatus.DRAFT else []
    members = call.members.select_related("user").annotate(
        scored=Count("sheets", filter=Q(sheets__voided_at__isnull=True)),
        interest_count=Count("interests", distinct=True))
    return render(request, "setup/calls/detail.html", {
        "call": call, "criteria": call.criteria.all(),
        "envelopes": call.envelopes.select_related("funder").order_by("funder__name"),
        "members": members, "standings": table,
        "withdrawn": call.applications.filter(withdrawn_at__isnull=False)
        .select_related("project"),
        "sessions": call.sessions.annotate(present=Count("attendance")).order_by("number"),
        "run": call.runs.order_by("-created_at", "-id").first(),
        "member_form": MemberForm(call=call), "session_form": SessionForm(
            initial={"held_on": today}),
        "may_close": call.status == CallStatus.OPEN and today > call.closes_on,
        "today": today})


def _act(request, call, work, success: str):
    """A POST that calls one service: its success or its refusal as a message."""
    try:
        work()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("setup-call", pk=call.pk)


@admin_required
@require_POST
def call_open(request, pk):
    call = _call(request, pk)
    return _act(request, call, lambda: services.call_open(actor=request.user, call=call),
                _("The call is open: its criteria and weights are published."))


@admin_required
@require_POST
def call_close(request, pk):
    call = _call(request, pk)
    return _act(request, call, lambda: services.call_close(actor=request.user, call=call),
                _("The call is closed: the computed criteria are filled in and the members "
                  "can score."))


@admin_required
def member_add(request, pk):
    call = _call(request, pk)
    form = MemberForm(request.POST or None, call=call)
    done, _member, status = submit(request, form, lambda data: services.member_add(
        actor=request.user, call=call, user=data["user"]))
    if done:
        messages.success(request, _("The member was added."))
        return redirect("setup-call", pk=call.pk)
    return render(request, "setup/calls/member_form.html", {"call": call, "form": form},
                  status=status)


@admin_required
@require_POST
def member_remove(request, pk, member):
    call = _call(request, pk)
    seat = get_object_or_404(CommitteeMember, call=call, pk=member)
    return _act(request, call, lambda: services.member_remove(actor=request.user, member=seat),
                _("The member was removed."))


@admin_required
def session_new(request, pk):
    call = _call(request, pk)
    form = SessionForm(request.POST or None)
    done, session, status = submit(request, form, lambda data: services.session_schedule(
        actor=request.user, call=call, **data))
    if done:
        messages.success(request, _("The session was scheduled."))
        return redirect("setup-session", pk=session.pk)
    return render(request, "setup/calls/session_form.html", {"call": call, "form": form},
                  status=status)
