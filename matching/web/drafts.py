"""The clerk's draft: edited until submitted, withdrawn with a reason, and its eligibility
shown as the form is filled in (htmx asks `eligibility` on every change; no inline script)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import services
from ..models import PledgeStatus, ProjectStatus, ReceiptStatus
from ..services.drafts import EDITABLE
from ..services.projects import check_eligibility, project_eligibility
from .common import clerk_required, scoped_project, submit
from .forms import ProjectForm
from .works_forms import ProjectEditForm, WithdrawForm


def form_eligibility(form, project=None):
    """The rules checked against what the form holds so far (valid fields only); for an
    edited draft, the fields the form lacks come from the draft."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    association = data.get("association") or (project.association if project else None)
    return check_eligibility(mahalla=data.get("mahalla"), association=association,
                             scheme=data.get("scheme"), category=data.get("category"),
                             cost=data.get("cost"), exclude=project.pk if project else None)


@clerk_required
@require_GET
def eligibility(request, pk=None):
    """The eligibility box alone, for the form's current values."""
    project = scoped_project(request, pk) if pk is not None else None
    form_class = ProjectEditForm if project else ProjectForm
    form = form_class(request.GET, user=request.user)
    return render(request, "web/clerk/_eligibility.html",
                  {"eligibility": form_eligibility(form, project)})


@clerk_required
def project_edit(request, pk):
    project = scoped_project(request, pk)
    if project.status != ProjectStatus.DRAFT:
        messages.error(request, _("Only a draft can be edited."))
        return redirect("clerk-project", pk=project.pk)
    initial = {name: getattr(project, name) for name in EDITABLE}
    form = ProjectEditForm(request.POST or None, user=request.user, initial=initial)
    done, _result, status = submit(request, form, lambda data: services.project_edit(
        project=project, actor=request.user, **data))
    if done:
        messages.success(request, _("The draft was saved."))
        return redirect("clerk-project", pk=project.pk)
    shown = form_eligibility(form, project) if form.is_bound else project_eligibility(project)
    return render(request, "web/clerk/project_form.html", {
        "form": form, "project": project, "eligibility": shown}, status=status)


@clerk_required
def project_withdraw(request, pk):
    project = scoped_project(request, pk)
    form = WithdrawForm(request.POST or None)
    done, _result, status = submit(request, form, lambda data: services.project_withdraw(
        project=project, actor=request.user, reason=data["reason"]))
    if done:
        messages.success(request, _("Draft %(code)s was withdrawn.") % {"code": project.code})
        return redirect("clerk-project", pk=project.pk)
    return render(request, "web/clerk/withdraw.html", {
        "project": project, "form": form,
        "receipts": project.receipts.filter(status=ReceiptStatus.RECORDED)
        .order_by("-received_on", "-id"),
        "pledges": project.pledges.filter(status=PledgeStatus.ANNOUNCED)}, status=status)
