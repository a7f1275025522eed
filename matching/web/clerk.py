"""The mahalla clerk's pages: her dashboard, projects, pledges, receipts and evidence."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import services
from ..errors import ServiceError
from ..models import Pledge, PledgeStatus, Project, ProjectProposal, ProjectStatus
from ..services.money import rate_on
from ..services.projects import check_eligibility, project_eligibility
from ..waterfall import waterfall
from .common import clerk_required, scoped_project, submit
from .association_forms import ReasonForm
from .drafts import form_eligibility
from .explain import explain
from .forms import EvidenceForm, PledgeForm, ProjectForm, ReceiptForm

PAGE_SIZE = 25


@clerk_required
def dashboard(request):
    """Her mahallas at a glance: projects by state and the money pledged, received, matched."""
    projects = Project.objects.visible_to(request.user)
    by_status = [(ProjectStatus(row["status"]).label, row["n"]) for row in
                 projects.order_by("status").values("status").annotate(n=Count("id"))]
    money = projects.order_by("currency").values("currency").annotate(
        cost=Sum("cost"), received=Sum("received"), matched=Sum("matched"),
        disbursed=Sum("disbursed"))
    pledged = (Pledge.objects.filter(project__in=projects, status=PledgeStatus.ANNOUNCED)
               .order_by("currency").values("currency").annotate(total=Sum("amount")))
    mahallas = request.user.mahallas.select_related("district").annotate(
        project_count=Count("projects"))
    page = Paginator(projects.select_related("mahalla", "association")
                     .order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    proposals = (ProjectProposal.objects.visible_to(request.user).waiting()
                 .select_related("association", "mahalla").order_by("created_at"))
    return render(request, "web/clerk/dashboard.html", {
        "by_status": by_status, "money": money, "pledged": pledged, "mahallas": mahallas,
        "page": page, "proposals": proposals})


@clerk_required
def project_new(request):
    form = ProjectForm(request.POST or None, user=request.user)
    done, project, status = submit(request, form, lambda data: services.project_create(
        actor=request.user, **data))
    if done:
        messages.success(request, _("Project %(code)s was created as a draft.")
                         % {"code": project.code})
        return redirect("clerk-project", pk=project.pk)
    return render(request, "web/clerk/project_form.html", {
        "form": form, "eligibility": form_eligibility(form) if form.is_bound
        else check_eligibility()}, status=status)


@clerk_required
def project_detail(request, pk):
    project = scoped_project(request, pk)
    return render(request, "web/clerk/project.html", {
        "project": project, "rows": waterfall(project),
        "pledges": project.pledges.order_by("-created_at"),
        "receipts": project.receipts.select_related("pledge").order_by("-received_on", "-id"),
        "evidence": project.evidence.order_by("-uploaded_at"),
        "timeline": project.timeline.select_related("actor", "confirmed_by", "evidence")
        .order_by("at", "id"),
        "explanation": explain(project),
        "can_start": project.status == ProjectStatus.FUNDED,
        "can_submit": project.status == ProjectStatus.DRAFT,
        "eligibility": project_eligibility(project) if project.status == ProjectStatus.DRAFT
        else None})


@clerk_required
@require_POST
def project_submit(request, pk):
    project = scoped_project(request, pk)
    try:
        services.project_submit(project=project, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Project %(code)s was submitted for review.")
                         % {"code": project.code})
    return redirect("clerk-project", pk=project.pk)


def _form_page(request, project, form, template, save, done_message):
    """GET shows the form; POST validates it, calls the service, and on a refusal shows the
    form again with what was typed and the service's message on its field."""
    done, _result, status = submit(request, form, save)
    if done:
        messages.success(request, done_message)
        return redirect("clerk-project", pk=project.pk)
    return render(request, template, {"project": project, "form": form}, status=status)


@clerk_required
def pledge_new(request, pk):
    project = scoped_project(request, pk)
    form = PledgeForm(request.POST or None, project=project)

    def save(data):
        services.pledge_create(project=project, actor=request.user, **data)

    return _form_page(request, project, form, "web/clerk/pledge_form.html", save,
                      _("The pledge was recorded."))


def _rate_of_the_day(project, currency, on):
    if currency == project.currency:
        return 1
    stored = rate_on(currency, project.currency, on)
    return stored.rate if stored else None


@clerk_required
def receipt_new(request, pk):
    project = scoped_project(request, pk)
    if request.method == "POST":
        form = ReceiptForm(request.POST, request.FILES, project=project)
    else:
        latest = project.pledges.filter(status=PledgeStatus.ANNOUNCED).order_by("-id").first()
        currency = latest.currency if latest else project.currency
        today = timezone.localdate()
        form = ReceiptForm(project=project, initial={
            "currency": currency, "received_on": today, "pledge": latest,
            "rate": _rate_of_the_day(project, currency, today)})
    _refresh_rate_on_change(form, project)

    def save(data):
        services.receipt_record(project=project, actor=request.user, **data)

    return _form_page(request, project, form, "web/clerk/receipt_form.html", save,
                      _("The receipt was recorded and the match recomputed."))


def _refresh_rate_on_change(form, project):
    """With htmx, changing the currency or the date fetches that day's stored rate."""
    attrs = {"hx-get": reverse("clerk-rate", args=[project.pk]), "hx-trigger": "change",
             "hx-target": "#rate-field", "hx-swap": "outerHTML",
             "hx-include": "[name=currency],[name=received_on]"}
    for name in ("currency", "received_on"):
        form.fields[name].widget.attrs.update(attrs)


@clerk_required
@require_GET
def receipt_rate(request, pk):
    """The rate field alone, filled with the stored rate for the chosen currency and day."""
    project = scoped_project(request, pk)
    probe = ReceiptForm(request.GET, project=project)
    probe.is_valid()
    currency, on = probe.cleaned_data.get("currency"), probe.cleaned_data.get("received_on")
    rate = _rate_of_the_day(project, currency, on) if currency and on else None
    form = ReceiptForm(project=project, initial={"rate": rate})
    return render(request, "web/clerk/_rate_field.html", {
        "form": form, "missing": rate is None, "currency": currency, "on": on})


@clerk_required
def evidence_new(request, pk):
    project = scoped_project(request, pk)
    form = EvidenceForm(request.POST or None, request.FILES or None)

    def save(data):
        services.evidence_add(project=project, actor=request.user, **data)

    return _form_page(request, project, form, "web/clerk/evidence_form.html", save,
                      _("The evidence was uploaded."))


class AdoptForm(ProjectForm):
    """The draft the clerk makes of a proposal: its mahalla and association are the
    proposal's; she chooses the scheme and may correct the rest."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["mahalla"], self.fields["association"]


@clerk_required
def proposal_detail(request, pk):
    """An association's proposal: adopt it as a draft project, or decline it with a reason."""
    proposal = get_object_or_404(ProjectProposal.objects.visible_to(request.user)
                                 .select_related("association", "mahalla__district"), pk=pk)
    adopt = AdoptForm(request.POST if "adopt" in request.POST else None, user=request.user,
                      initial={"title": proposal.title, "category": proposal.category,
                               "cost": proposal.cost, "description": proposal.description})
    decline = ReasonForm(request.POST if "decline" in request.POST else None)
    if "decline" in request.POST:
        done, _result, status = submit(request, decline, lambda data: services.proposal_decline(
            actor=request.user, proposal=proposal, **data))
        message = _("The proposal was declined; the association sees the reason.")
    else:
        done, _result, status = submit(request, adopt, lambda data: services.proposal_adopt(
            actor=request.user, proposal=proposal, **data))
        message = _("The proposal is now your draft project.")
    if done:
        messages.success(request, message)
        proposal.refresh_from_db()
        if proposal.project_id:
            return redirect("clerk-project", pk=proposal.project_id)
        return redirect("clerk-dashboard")
    return render(request, "web/clerk/proposal.html", {
        "proposal": proposal, "adopt": adopt, "decline": decline}, status=status)
