"""The officer's actions on a project after the review starts, each on a page of its own that
says what will happen and asks for what the service needs: a decision waiting for a second
officer, conditions met, top-ups, suspend, resume, cancel, start works (the clerk too),
close with the final accounting, clawbacks, refunds and reversals of receipts.

Every view reads the same way: look up in scope (404 otherwise), show the form with its
consequences, call the service on POST, answer (common.submit puts a refusal on its field).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import policies, services
from ..models import (DecisionStatus, EvidenceKind, PendingDecision, Pledge, ProjectStatus,
                      Receipt, ReceiptStatus, TopUp, Tranche)
from ..services.money import CLAWBACK_STATES, evidence_of, with_evidence
from ..services.projects import MONEY_CLOSED_STATES, TRANSITIONS, needs_second_officer
from ..services.topups import OPEN_TO_TOP_UPS
from .action_forms import (ClawbackForm, ConditionsMetForm, ConfirmForm, DecisionReturnForm,
                           NoteForm, ReasonForm, StartWorksForm, TopUpForm)
from .common import clerk_required, officer_required, scoped_project, submit
from .explain import explain

S = ProjectStatus
DISBURSABLE = (S.FUNDING, S.FUNDED, S.IN_PROGRESS)


def offers(project, user) -> dict:
    """What the officer's project page offers this user now (the services decide again)."""
    status = project.status
    pending = (PendingDecision.objects.filter(project=project, status=DecisionStatus.PENDING)
               .select_related("proposed_by").first())
    return {
        "pending": pending,
        "second_officer": needs_second_officer(project),
        "can_start_review": status in (S.SUBMITTED, S.DEFERRED),
        "can_decide": status == S.UNDER_REVIEW and pending is None,
        "can_top_up": status in OPEN_TO_TOP_UPS and pending is None,
        "can_meet_conditions": status == S.CONDITIONALLY_APPROVED,
        "can_suspend": S.SUSPENDED in TRANSITIONS[status],
        "can_resume": status == S.SUSPENDED,
        "can_cancel": S.CANCELLED in TRANSITIONS[status],
        "can_start": status == S.FUNDED,
        "can_close": status == S.COMPLETED,
        "can_disburse": status in DISBURSABLE,
        "can_claw_back": status in CLAWBACK_STATES,
        "can_undo_receipts": status not in MONEY_CLOSED_STATES
        and policies.role_may(user, "undo_receipt"),
    }


def posted(request) -> tuple:
    """A form's data and files on a POST, even an empty one (a form with no fields is valid
    when posted), and nothing on a GET."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)


def data(request):
    """`posted` for forms without files."""
    return posted(request)[0]


def _page(request, project, form, save, *, title, button, done, context=None,
          template="web/actions/form.html", back=None):
    """A form page: GET shows what will happen and the form; POST runs `save` and goes back
    to the project, or shows the form again with the refusal on its field."""
    back = back or reverse("officer-project", args=[project.pk])
    ok, _result, status = submit(request, form, save)
    if ok:
        messages.success(request, done)
        return redirect(back)
    return render(request, template, {
        "project": project, "form": form, "title": title, "button": button, "back": back,
        **(context or {})}, status=status)


# --- decisions waiting for a second officer ----------------------------------------------

def _pending(request, pk) -> PendingDecision:
    return get_object_or_404(PendingDecision.objects.visible_to(request.user)
                             .select_related("project__mahalla__district", "project__scheme",
                                             "project__association", "proposed_by"), pk=pk)


def _decision_page(request, pending, *, confirm_form=None, return_form=None, status=200):
    pending.refresh_from_db()  # a refused confirmation rolled back what it had claimed
    project = pending.project
    return render(request, "web/officer/decision.html", {
        "pending": pending, "project": project, "explanation": explain(project),
        "confirm_form": confirm_form or NoteForm(),
        "return_form": return_form or DecisionReturnForm()}, status=status)


@officer_required
def decision(request, pk):
    """The decision as the first officer took it, with the match it would make now, to
    confirm or send back."""
    return _decision_page(request, _pending(request, pk))


@officer_required
@require_POST
def decision_confirm(request, pk):
    pending = _pending(request, pk)
    project = pending.project
    form = NoteForm(request.POST)

    def save(data):
        services.decision_confirm(pending=pending, actor=request.user, note=data["reason"])

    ok, _result, status = submit(request, form, save)
    if not ok:
        return _decision_page(request, pending, confirm_form=form, status=status)
    project.refresh_from_db()
    messages.success(request, _("Decision confirmed: %(code)s is now %(status)s.") % {
        "code": project.code, "status": project.get_status_display()})
    return redirect("officer-project", pk=project.pk)


@officer_required
@require_POST
def decision_return(request, pk):
    pending = _pending(request, pk)
    form = DecisionReturnForm(request.POST)

    def save(data):
        services.decision_return(pending=pending, actor=request.user, reason=data["reason"])

    ok, _result, status = submit(request, form, save)
    if not ok:
        return _decision_page(request, pending, return_form=form, status=status)
    messages.success(request, _("The decision was sent back; the project waits for "
                                "another decision."))
    return redirect("officer-project", pk=pending.project_id)


# --- conditions, top-ups, lifecycle --------------------------------------------------------

@officer_required
def conditions_met(request, pk):
    project = scoped_project(request, pk)
    form = ConditionsMetForm(*posted(request), project=project)

    def save(data):
        return with_evidence(
            project=project, actor=request.user, kind=EvidenceKind.OTHER, **evidence_of(data),
            work=lambda evidence: services.project_conditions_met(
                project=project, actor=request.user, reason=data["reason"], evidence=evidence))

    return _page(request, project, form, save, title=_("Conditions met"),
                 button=_("Record that the conditions are met"),
                 done=_("The conditions are met: the project goes on to funding."),
                 context={"intro": _("The conditions of the approval: %(conditions)s") % {
                     "conditions": project.conditions}})


@officer_required
def top_up_new(request, pk):
    project = scoped_project(request, pk)
    form = TopUpForm(data(request), user=request.user, project=project)

    def save(data):
        services.top_up_offer(project=project, actor=request.user, funder=data["funder"],
                              amount=data["amount"], reason=data["reason"])

    return _page(request, project, form, save, title=_("Cover the funding gap"),
                 button=_("Record the top-up"),
                 done=_("The top-up was recorded: it is reserved with the approval."),
                 context={"explanation": explain(project),
                          "consequences": "web/actions/_gap.html"})


@officer_required
def top_up_withdraw(request, pk):
    top_up = get_object_or_404(TopUp.objects.visible_to(request.user)
                               .select_related("project__mahalla__district", "funder"), pk=pk)
    project = top_up.project
    form = ConfirmForm(data(request))

    def save(_data):
        services.top_up_withdraw(top_up=top_up, actor=request.user)

    return _page(request, project, form, save, title=_("Withdraw a top-up"),
                 button=_("Withdraw the top-up"), done=_("The top-up was withdrawn."),
                 context={"top_up": top_up, "consequences": "web/actions/_top_up.html"})


LIFECYCLE = {
    "suspend": (services.project_suspend, gettext_lazy("Suspend the project"),
                gettext_lazy("Suspend"), gettext_lazy("The project was suspended.")),
    "resume": (services.project_resume, gettext_lazy("Resume the project"),
               gettext_lazy("Resume"), gettext_lazy("The project resumed where it was.")),
    "cancel": (services.project_cancel, gettext_lazy("Cancel the project"),
               gettext_lazy("Cancel the project for good"),
               gettext_lazy("The project was cancelled; what it held was released and "
                            "refunded.")),
}


@officer_required
def lifecycle(request, pk, action):
    """Suspend, resume or cancel: a reason, and what the change will do."""
    run, title, button, done = LIFECYCLE[action]
    project = scoped_project(request, pk)
    form = ReasonForm(data(request))

    def save(data):
        run(project=project, actor=request.user, reason=data["reason"])

    context = {"action": action, "consequences": "web/actions/_lifecycle.html"}
    if action == "cancel":
        context["accounting"] = services.final_accounting(project)
    return _page(request, project, form, save, title=title, button=button, done=done,
                 context=context)


def _start_works(request, project, back):
    form = StartWorksForm(*posted(request),
                          initial={"executor": project.executor,
                                   "executor_kind": project.executor_kind})

    def save(data):
        services.project_start(project=project, actor=request.user, **data)

    return _page(request, project, form, save, title=_("Start the works"),
                 button=_("Record the contract and start"),
                 done=_("The works started under the recorded contract."), back=back)


@officer_required
def start_works(request, pk):
    return _start_works(request, scoped_project(request, pk), None)


@clerk_required
def clerk_start_works(request, pk):
    project = scoped_project(request, pk)
    return _start_works(request, project, reverse("clerk-project", args=[project.pk]))


@officer_required
def close(request, pk):
    """The final accounting, and the confirmation: closing releases what was not disbursed."""
    project = scoped_project(request, pk)
    form = NoteForm(data(request))

    def save(data):
        services.project_close(project=project, actor=request.user, reason=data["reason"])

    return _page(request, project, form, save, title=_("Close the project"),
                 button=_("Close and release what was not disbursed"),
                 done=_("The project is closed; what was not disbursed went back to the "
                        "envelopes."),
                 context={"accounting": services.final_accounting(project),
                          "consequences": "web/actions/_accounting.html"})


# --- money: clawbacks, refunds and reversals -----------------------------------------------

@officer_required
def clawback(request, pk):
    tranche = get_object_or_404(Tranche.objects.visible_to(request.user).select_related(
        "commitment__project__mahalla__district", "commitment__funder"), pk=pk)
    project = tranche.commitment.project
    form = ClawbackForm(*posted(request), project=project)

    def save(data):
        return with_evidence(
            project=project, actor=request.user, kind=EvidenceKind.OTHER, **evidence_of(data),
            work=lambda evidence: services.clawback_record(
                tranche=tranche, actor=request.user, amount=data["amount"],
                reason=data["reason"], evidence=evidence))

    return _page(request, project, form, save, title=_("Record a clawback"),
                 button=_("Record the clawback"), done=_("The clawback was recorded."),
                 context={"tranche": tranche, "consequences": "web/actions/_tranche.html"})


UNDO = {
    "refund": (services.receipt_refund, gettext_lazy("Refund a receipt"),
               gettext_lazy("Refund it to the association"),
               gettext_lazy("The receipt was refunded and the match recomputed.")),
    "reverse": (services.receipt_reverse, gettext_lazy("Reverse a receipt"),
                gettext_lazy("Reverse it as recorded in error"),
                gettext_lazy("The receipt was reversed and the match recomputed.")),
}


@officer_required
def receipt_undo(request, pk, kind):
    run, title, button, done = UNDO[kind]
    receipt = get_object_or_404(Receipt.objects.visible_to(request.user).select_related(
        "project__mahalla__district", "recorded_by"), pk=pk, status=ReceiptStatus.RECORDED)
    project = receipt.project
    form = ReasonForm(data(request))

    def save(data):
        run(receipt=receipt, actor=request.user, reason=data["reason"])

    return _page(request, project, form, save, title=title, button=button, done=done,
                 context={"receipt": receipt, "kind": kind,
                          "consequences": "web/actions/_receipt.html"})


# --- the clerk: pledge withdrawal ----------------------------------------------------------

@clerk_required
def pledge_withdraw(request, pk):
    pledge = get_object_or_404(Pledge.objects.visible_to(request.user)
                               .select_related("project__mahalla__district"), pk=pk)
    project = pledge.project
    form = ConfirmForm(data(request))

    def save(_data):
        services.pledge_withdraw(pledge=pledge, actor=request.user)

    return _page(request, project, form, save, title=_("Withdraw a pledge"),
                 button=_("Withdraw the pledge"),
                 done=_("The pledge was withdrawn; it stays on record."),
                 back=reverse("clerk-project", args=[project.pk]),
                 context={"pledge": pledge, "consequences": "web/actions/_pledge.html"})

