"""The clerk's pages for the works: milestones, progress reports with photos, the community
oversight committee and its sign-off of the handover act, and completion."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..errors import ServiceError
from ..models import EvidenceKind, OversightMember, ProjectStatus
from ..services.works import FINISHED, MilestoneInput, committee_status
from .common import clerk_required, scoped_project, submit
from .works_forms import (CompleteForm, MemberForm, MilestoneFormSet, ProgressReportForm,
                          SignOffForm)


@clerk_required
def milestones(request, pk):
    """The whole set at once, so that the shares can be checked to add up to 100 %."""
    project = scoped_project(request, pk)
    initial = [{"id": m.pk, "title": m.title, "planned_on": m.planned_on, "share": m.share}
               for m in project.milestones.all()]
    formset = MilestoneFormSet(request.POST or None, initial=initial, prefix="milestones")
    refusal, status = None, 200
    if request.method == "POST":
        if formset.is_valid():
            rows = [MilestoneInput(id=form.cleaned_data.get("id"),
                                   title=form.cleaned_data["title"],
                                   planned_on=form.cleaned_data["planned_on"],
                                   share=form.cleaned_data["share"])
                    for form in formset.forms
                    if form.cleaned_data and not form.cleaned_data.get("DELETE")]
            try:
                services.milestones_set(project=project, actor=request.user, milestones=rows)
            except ServiceError as error:
                refusal, status = error.message, error.status
            else:
                messages.success(request, _("The milestones were saved."))
                return redirect("clerk-project", pk=project.pk)
        else:
            status = 400
    return render(request, "web/clerk/milestones.html", {
        "project": project, "formset": formset, "refusal": refusal,
        "can_change": project.status not in FINISHED}, status=status)


@clerk_required
def progress_new(request, pk):
    project = scoped_project(request, pk)
    form = ProgressReportForm(request.POST or None, request.FILES or None,
                              milestones=list(project.milestones.all()))
    done, _result, status = submit(request, form, lambda data: services.progress_report_create(
        project=project, actor=request.user, reported_on=data["reported_on"], text=data["text"],
        progress=form.progress(), photos=data["photos"]))
    if done:
        messages.success(request, _("The progress report was recorded."))
        return redirect("clerk-project", pk=project.pk)
    return render(request, "web/clerk/progress_form.html", {
        "project": project, "form": form,
        "can_report": project.status == ProjectStatus.IN_PROGRESS}, status=status)


@clerk_required
def committee(request, pk):
    """The committee's members, their answers on the handover act, and a form to add one."""
    project = scoped_project(request, pk)
    form = MemberForm(request.POST or None)
    done, _result, status = submit(request, form, lambda data: services.oversight_member_add(
        project=project, actor=request.user, **data))
    if done:
        messages.success(request, _("The committee member was recorded."))
        return redirect("clerk-committee", pk=project.pk)
    return render(request, "web/clerk/committee.html", {
        "project": project, "form": form, "members": project.oversight_members.all(),
        "committee": committee_status(project),
        "can_change": project.status not in FINISHED,
        "can_sign": project.status == ProjectStatus.IN_PROGRESS}, status=status)


def _member(request, pk) -> OversightMember:
    """A committee member of a project in the clerk's scope; any other answers 404."""
    return get_object_or_404(OversightMember.objects.visible_to(request.user)
                             .select_related("project"), pk=pk)


@clerk_required
def member_edit(request, pk):
    member = _member(request, pk)
    form = MemberForm(request.POST or None, initial={
        "full_name": member.full_name, "contact": member.contact, "role": member.role})
    done, _result, status = submit(request, form, lambda data: services.oversight_member_edit(
        member=member, actor=request.user, **data))
    if done:
        messages.success(request, _("The committee member was saved."))
        return redirect("clerk-committee", pk=member.project_id)
    return render(request, "web/clerk/member_form.html", {
        "project": member.project, "member": member, "form": form}, status=status)


@clerk_required
@require_POST
def member_remove(request, pk):
    member = _member(request, pk)
    try:
        services.oversight_member_remove(member=member, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The member was removed from the committee."))
    return redirect("clerk-committee", pk=member.project_id)


@clerk_required
def sign_off(request, pk):
    member = _member(request, pk)
    initial = ({"decision": member.sign_off, "on": member.sign_off_on,
                "findings": member.findings} if member.sign_off else None)
    form = SignOffForm(request.POST or None, initial=initial)
    done, _result, status = submit(request, form, lambda data: services.oversight_sign_off(
        member=member, actor=request.user, **data))
    if done:
        messages.success(request, _("The member's answer on the handover act was recorded."))
        return redirect("clerk-committee", pk=member.project_id)
    return render(request, "web/clerk/sign_off.html", {
        "project": member.project, "member": member, "form": form}, status=status)


@clerk_required
def complete(request, pk):
    """Completion with the signed handover act, once the committee has signed it off."""
    project = scoped_project(request, pk)
    form = CompleteForm(request.POST or None, request.FILES or None)
    done, _result, status = submit(request, form, lambda data: services.project_complete(
        project=project, actor=request.user, handover_act=data["handover_act"],
        reason=data["reason"]))
    if done:
        messages.success(request, _("Project %(code)s is completed.") % {"code": project.code})
        return redirect("clerk-project", pk=project.pk)
    return render(request, "web/clerk/complete.html", {
        "project": project, "form": form, "committee": committee_status(project),
        "acts": project.evidence.filter(kind=EvidenceKind.HANDOVER_ACT),
        "can_complete": project.status == ProjectStatus.IN_PROGRESS}, status=status)
