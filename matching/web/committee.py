"""The selection committee members' pages: the calls they sit on, their declared interests,
the applications to score (frozen facts, computed criteria with their sources) and their
score sheets. A member sees the others' scores of an application only after submitting his
own (`ScoreSheet.objects.visible_to`)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .. import policies, services
from ..models import Application, Call, Role, ScoreSheet
from ..services.scoring import criteria_to_score, why_not_score
from ..standings import describe
from .call_forms import InterestForm, ScoreForm
from .common import role_required, submit

member_required = role_required(lambda user: user.role == Role.COMMITTEE)


def _call(request, pk) -> Call:
    return get_object_or_404(Call.objects.visible_to(request.user).select_related("scheme"),
                             pk=pk)


@member_required
def home(request):
    return render(request, "calls/committee/home.html", {
        "calls": Call.objects.visible_to(request.user).select_related("scheme", "region")
        .order_by("-opens_on", "-id")})


@member_required
def call_detail(request, pk):
    call = _call(request, pk)
    seat = policies.seat_of(request.user, call)
    form = InterestForm(request.POST or None, call=call)
    done, _interest, status = submit(request, form, lambda data: services.interest_declare(
        actor=request.user, call=call, note=data["note"], mahalla=data.get("mahalla"),
        association=data.get("association")))
    if done:
        messages.success(request, _("Your interest is declared: you neither score nor vote "
                                    "on those applications."))
        return redirect("committee-call", pk=call.pk)
    mine = set(seat.sheets.values_list("application_id", flat=True))
    rows = [{"application": a, "scored": a.pk in mine,
             "why_not": None if a.pk in mine else why_not_score(request.user, a, seat)}
            for a in call.applications.select_related("project", "mahalla", "association")]
    return render(request, "calls/committee/call.html", {
        "call": call, "seat": seat, "criteria": call.criteria.all(), "form": form,
        "interests": seat.interests.select_related("mahalla", "association"), "rows": rows},
        status=status)


@member_required
def application_detail(request, pk):
    application = get_object_or_404(
        Application.objects.filter(call__in=Call.objects.visible_to(request.user))
        .select_related("call__scheme", "project", "mahalla", "district", "association"), pk=pk)
    call = application.call
    criteria = list(call.criteria.all())
    to_score = criteria_to_score(application, criteria)
    problem = why_not_score(request.user, application)
    form = ScoreForm(request.POST or None, criteria=to_score) if problem is None else None
    if form is not None:
        done, _sheet, status = submit(request, form, lambda data: services.score_submit(
            actor=request.user, application=application, values=form.values(),
            comment=data["comment"]))
        if done:
            return redirect("committee-application", pk=application.pk)
    else:
        status = 200
    kinds = {c.pk: c.kind for c in criteria}
    computed = [{"criterion": v.criterion, "value": v, "source": describe(v, kinds[v.criterion_id])}
                for v in application.values.select_related("criterion")
                .order_by("criterion__position")]
    sheets = (ScoreSheet.objects.visible_to(request.user).filter(application=application)
              .select_related("member__user").prefetch_related("scores__criterion"))
    return render(request, "calls/committee/application.html", {
        "application": application, "call": call, "criteria": criteria, "form": form,
        "problem": problem, "computed": computed, "sheets": sheets,
        "seat": policies.seat_of(request.user, call)}, status=status)
