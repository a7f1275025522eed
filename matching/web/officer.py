"""The municipal officer's pages: review queue, project review and decision, tranches,
disbursements and overdue tranches."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..errors import ServiceError
from ..models import (Complaint, Contract, DecisionStatus, EvidenceKind, PendingDecision,
                      Pledge, Project, ProjectStatus, Receipt, Tranche)
from ..services.money import evidence_of, with_evidence
from ..waterfall import waterfall
from .common import add_service_error, officer_required, scoped_project, submit
from .explain import association_history, envelope_impact, explain
from .forms import DecisionForm, DisbursementForm, HeldReceiptForm
from .officer_actions import offers

S = ProjectStatus
OPEN_MONEY_STATES = (S.APPROVED, S.CONDITIONALLY_APPROVED, S.FUNDING, S.FUNDED, S.IN_PROGRESS)


def _overdue(user):
    return (Tranche.objects.visible_to(user).overdue(timezone.localdate())
            .select_related("commitment__project__mahalla", "commitment__funder")
            .order_by("due_on", "id"))


@officer_required
def queue(request):
    projects = Project.objects.visible_to(request.user).select_related("mahalla", "association")
    return render(request, "web/officer/queue.html", {
        # decisions another officer took that wait for this one's confirmation
        "to_confirm": PendingDecision.objects.visible_to(request.user)
        .filter(status=DecisionStatus.PENDING).exclude(proposed_by=request.user)
        .select_related("project", "proposed_by").order_by("proposed_at", "id"),
        "waiting": projects.in_review().order_by("submitted_at", "id"),
        "open": projects.filter(status__in=OPEN_MONEY_STATES).order_by("-decided_at", "-id")[:50],
        "held": _held(request.user)[:50],
        "overdue_count": _overdue(request.user).count()})


def _held(user):
    return (Receipt.objects.visible_to(user).held().select_related("project", "recorded_by")
            .order_by("recorded_at", "id"))


@officer_required
def held_receipt(request, pk):
    """A receipt held for being far beyond its project's cost: confirm it (its money then
    counts toward the match) or reject it with a reason. Not by the clerk who recorded it."""
    receipt = get_object_or_404(_held(request.user), pk=pk)
    confirm = request.POST.get("action") == "confirm"
    form = HeldReceiptForm(request.POST or None)
    done, _result, status = submit(request, form, lambda data: (
        services.receipt_confirm(receipt=receipt, actor=request.user) if confirm else
        services.receipt_reject(receipt=receipt, actor=request.user, reason=data["reason"])))
    if done:
        messages.success(request, _("The receipt was confirmed and the match recomputed.")
                         if confirm else _("The receipt was rejected."))
        return redirect("officer-project", pk=receipt.project_id)
    project = receipt.project
    return render(request, "web/officer/held_receipt.html", {
        "receipt": receipt, "project": project, "form": form,
        "after": project.received + receipt.converted,
        "ratio": settings.RECEIPT_HOLD_COST_RATIO}, status=status)


def _detail(request, project, decision_form=None, status=200):
    explanation = explain(project)
    return render(request, "web/officer/project.html", {
        "project": project, "explanation": explanation,
        "impact": envelope_impact(project, explanation),
        "history": association_history(project, request.user),
        "rows": waterfall(project),
        "timeline": project.timeline.select_related("actor", "confirmed_by", "evidence")
        .order_by("at", "id"),
        "tranches": Tranche.objects.filter(commitment__project=project)
        .select_related("commitment__funder").order_by("number", "commitment__position"),
        "evidence": project.evidence.order_by("-uploaded_at"),
        "complaints": Complaint.objects.visible_to(request.user).filter(project=project)
        .order_by("-filed_at", "-id"), "today": timezone.localdate(),
        "can_start_review": project.status in (S.SUBMITTED, S.DEFERRED),
        "can_decide": project.status == S.UNDER_REVIEW,
        "pledges": Pledge.objects.filter(project=project).with_missing()
        .select_related("announced_by").order_by("expected_on", "id"),
        "receipts": project.receipts.select_related("recorded_by", "pledge")
        .order_by("-received_on", "-id"),
        "top_ups": project.top_ups.select_related("funder", "recorded_by").order_by("id"),
        "decisions": project.pending_decisions.exclude(status=DecisionStatus.PENDING)
        .select_related("proposed_by", "resolved_by").order_by("-proposed_at", "-id"),
        "contract": Contract.objects.filter(project=project).first(),
        "accounting": services.final_accounting(project) if project.status == S.CLOSED
        else None,
        **offers(project, request.user),
        "decision_form": decision_form or DecisionForm()}, status=status)


@officer_required
def project_detail(request, pk):
    return _detail(request, scoped_project(request, pk))


@officer_required
@require_POST
def review_start(request, pk):
    project = scoped_project(request, pk)
    try:
        services.project_review_start(project=project, actor=request.user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You started the review of %(code)s.") % {"code": project.code})
    return redirect("officer-project", pk=project.pk)


@officer_required
@require_POST
def decide(request, pk):
    """Approve, approve with conditions, defer or reject, always with a reason; above the
    scheme's threshold the decision waits for a second officer."""
    project = scoped_project(request, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, project, form, status=400)
    data = form.cleaned_data
    try:
        pending = services.decision_record(
            project=project, actor=request.user, decision=form.DECISIONS[data["decision"]],
            reason=data["reason"], conditions=data["conditions"])
    except ServiceError as error:
        add_service_error(form, error)
        return _detail(request, scoped_project(request, pk), form, status=error.status)
    project.refresh_from_db()
    if pending is not None:
        messages.success(request, _("Your decision was recorded: it waits for a second "
                                    "officer's confirmation."))
    else:
        messages.success(request, _("Decision recorded: %(code)s is now %(status)s.") % {
            "code": project.code, "status": project.get_status_display()})
    return redirect("officer-project", pk=project.pk)


@officer_required
def disburse(request, pk):
    """Pay a tranche against evidence: chosen from the project's or uploaded here; an upload
    is kept only if the disbursement goes through."""
    tranche = get_object_or_404(
        Tranche.objects.visible_to(request.user)
        .select_related("commitment__project__mahalla", "commitment__funder"), pk=pk)
    project = tranche.commitment.project
    form = DisbursementForm(request.POST or None, request.FILES or None, project=project)
    done, _result, status = submit(request, form,
                                   lambda data: _pay(request.user, project, tranche, data))
    if done:
        messages.success(request, _("The disbursement was recorded."))
        return redirect("officer-project", pk=project.pk)
    return render(request, "web/officer/disburse.html", {
        "tranche": tranche, "project": project, "form": form}, status=status)


def _pay(actor, project, tranche, data):
    return with_evidence(
        project=project, actor=actor, kind=EvidenceKind.DISBURSEMENT, **evidence_of(data),
        work=lambda evidence: services.tranche_disburse(
            tranche=tranche, actor=actor, evidence=evidence, amount=data["amount"],
            paid_on=data["paid_on"]))


@officer_required
def overdue(request):
    return render(request, "web/officer/overdue.html", {"tranches": _overdue(request.user)[:200]})
