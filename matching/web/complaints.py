"""Complaints: the public's form and tracking page, the officer's list and answer page.

The form needs no account. Before the service sees a complaint, the page keeps robots and
floods out (web/abuse.py): a honeypot, a minimum fill time, per-address limits. A refusal
keeps what was typed (a photo has to be chosen again: browsers never refill file inputs).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import policies, services
from ..errors import ServiceError
from ..models import Complaint, ComplaintStatus, Project
from ..models.complaints import normalise_code
from . import abuse
from .common import add_service_error, officer_required
from .files import send_file
from .forms import ComplaintAnswerForm, ComplaintForm, ComplaintLookupForm

PAGE = 200
TOKEN_PROBLEMS = {
    "fast": gettext_lazy("This form was sent back faster than a person can fill it in. Check "
                         "it and send it again."),
    "old": gettext_lazy("This form was open for too long. Check it and send it again."),
    "bad": gettext_lazy("This form could not be read. Check it and send it again."),
}


def _public_project(code: str) -> Project:
    return get_object_or_404(Project.objects.public().select_related("mahalla__district"),
                             code=code)


def _form_page(request, project, form, status=200):
    # every page shown carries a fresh start time: a refused form is filled again from here
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        data[abuse.STARTED] = abuse.form_token()
        form.data = data
    else:
        form.initial[abuse.STARTED] = abuse.form_token()
    return render(request, "web/public/complaint_form.html",
                  {"project": project, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def complaint_new(request, code):
    """File a complaint about a public project (anyone, no account)."""
    project = _public_project(code)
    if request.method != "POST":
        return _form_page(request, project, ComplaintForm())
    form = ComplaintForm(request.POST, request.FILES)
    if not form.is_valid():
        return _form_page(request, project, form, status=400)
    data = form.cleaned_data
    if data[abuse.HONEYPOT]:
        form.add_error(None, _("This form could not be accepted."))
        return _form_page(request, project, form, status=400)
    problem = abuse.token_problem(data[abuse.STARTED])
    if problem:
        form.add_error(None, TOKEN_PROBLEMS[problem])
        return _form_page(request, project, form, status=400)
    throttle = abuse.Throttle(request)
    if not throttle.take():
        form.add_error(None, _("Too many complaints were sent from your connection in a short "
                               "time. Those already sent are kept and will be answered; send "
                               "this one later, and follow the others with their tracking "
                               "codes."))
        return _form_page(request, project, form, status=429)
    try:
        complaint = services.complaint_file(
            actor=None, project=project, category=data["category"], text=data["text"],
            contact=data["contact"], photo=data["photo"])
    except ServiceError as error:
        throttle.give_back()
        add_service_error(form, error)
        return _form_page(request, project, form, status=error.status)
    messages.success(request, _("Your complaint was received. Keep its tracking code, %(code)s: "
                                "with it you can follow the answer.") % {"code": complaint.code})
    return redirect("complaint-track", code=complaint.code)


@require_GET
def complaint_lookup(request):
    """The box where a citizen types his tracking code."""
    form = ComplaintLookupForm(request.GET or None)
    status = 200
    if form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if code and Complaint.objects.public().filter(code=code).exists():
            return redirect("complaint-track", code=code)
        form.add_error("code", _("No complaint has this code. Check it and try again."))
        status = 404
    return render(request, "web/public/complaint_lookup.html", {"form": form}, status=status)


@require_GET
def complaint_track(request, code):
    """The complaint as its sender follows it: with its text, never its contact."""
    complaint = get_object_or_404(
        Complaint.objects.public().select_related("project__mahalla__district__region",
                                                  "answered_by"),
        code=normalise_code(code) or "-")
    return render(request, "web/public/complaint_track.html", {"complaint": complaint})


# --- the officer's side -------------------------------------------------------------------

@officer_required
def officer_list(request):
    complaints = Complaint.objects.visible_to(request.user).select_related("project__mahalla")
    waiting = list(complaints.waiting().order_by("filed_at", "id")[:PAGE])
    answered = list(complaints.filter(status=ComplaintStatus.ANSWERED)
                    .order_by("-answered_at", "-id")[:PAGE])
    return render(request, "web/officer/complaints.html", {
        "waiting": waiting, "answered": answered, "today": timezone.localdate()})


@officer_required
def officer_detail(request, pk):
    complaint = get_object_or_404(
        Complaint.objects.visible_to(request.user)
        .select_related("project__mahalla__district", "answered_by"), pk=pk)
    form = ComplaintAnswerForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.complaint_answer(actor=request.user, complaint=complaint,
                                          answer=form.cleaned_data["answer"])
            except ServiceError as error:
                add_service_error(form, error)
                status = error.status
            else:
                messages.success(request, _("The answer was published."))
                return redirect("officer-complaint", pk=complaint.pk)
    return render(request, "web/officer/complaint.html", {
        "complaint": complaint, "form": form,
        "can_answer": policies.can(request.user, "answer_complaint", complaint.project)},
        status=status)


@login_required
def complaint_photo(request, pk):
    """A complaint's photo: for those who read the complaint, never the public."""
    complaint = get_object_or_404(Complaint.objects.visible_to(request.user), pk=pk)
    return send_file(complaint.photo)
