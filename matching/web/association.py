"""The migrant association's pages: applying for registration (without an account); its
home (registration, renewal, proposals, and its projects, pledges — what is still missing and
by when —, receipts with their references); a project with its tranches and decisions; the
renewal and the proposal of a project. Everything of a project through `visible_to`: another
association's project answers 404, as a missing one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import policies, services
from ..errors import ServiceError
from ..models import (ApplicationKind, ApplicationStatus, MigrantAssociation, Pledge, Project,
                      Receipt, Role, Tranche)
from ..places import local_name
from ..waterfall import waterfall
from .association_forms import ApplicationForm, BoardFormSet, ProposalForm, board_of
from .common import add_service_error, role_required, scoped_project, submit
from .placepick import showing_mahallas

association_required = role_required(lambda user: policies.role_of(user) == Role.ASSOCIATION
                                     and user.association_id is not None)
PAGE_SIZE = 25
RECENT_RECEIPTS = 20


def _application_page(request, *, kind, association=None, initial=None, board=None,
                      selected=()):
    """The application form (first registration or renewal): the declaration, the board and
    the statutes; on a refusal what was typed is kept (the statutes must be attached again,
    as browsers never re-send a file)."""
    form = ApplicationForm(request.POST or None, request.FILES or None, initial=initial,
                           selected=selected)
    formset = BoardFormSet(request.POST or None, prefix="board", initial=board)
    template = "association/apply.html"
    context = {"form": form, "board": formset, "kind": kind, "association": association}
    if request.method != "POST" or showing_mahallas(request):
        return render(request, template, context), None
    if not (form.is_valid() & formset.is_valid()):
        return render(request, template, context, status=400), None
    data = form.cleaned_data
    try:
        application = services.association_apply(
            actor=request.user if request.user.is_authenticated else None, kind=kind,
            association=association, name=data["name"], host_country=data["host_country"],
            host_city=data["host_city"], home_mahallas=data["home_mahallas"],
            member_count=data["member_count"], board=board_of(formset),
            statutes=data["statutes"], contact_name=data["contact_name"], email=data["email"],
            phone=data["phone"])
    except ServiceError as error:
        if error.field == "board":
            formset._non_form_errors = formset.error_class([error.message])
        else:
            add_service_error(form, error)
        return render(request, template, context, status=error.status), None
    return None, application


def apply(request):
    """Anyone may apply for a first registration; an association's user renews instead."""
    if request.user.is_authenticated and request.user.role == Role.ASSOCIATION:
        return redirect("association-renew")
    response, application = _application_page(request, kind=ApplicationKind.NEW)
    if response:
        return response
    return render(request, "association/applied.html", {"application": application})


@association_required
@require_GET
def home(request):
    user = request.user
    association = (MigrantAssociation.objects.prefetch_related("home_mahallas__district")
                   .get(pk=user.association_id))
    today = timezone.localdate()
    projects = (Project.objects.visible_to(user).select_related("mahalla__district")
                .order_by("-created_at", "-id"))
    return render(request, "web/association/home.html", {
        "association": association, "problem": association.registration_problem(today),
        "renewal_open": association.renewal_open(today),
        "pending": association.applications.filter(status=ApplicationStatus.PENDING).first(),
        "applications": association.applications.order_by("-created_at")[:10],
        "proposals": association.proposals.select_related("mahalla", "project")
        .order_by("-created_at")[:50],
        "page": Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page")),
        "pledges": Pledge.objects.visible_to(user).announced().with_missing()
        .select_related("project").order_by("expected_on", "id"),
        "receipts": Receipt.objects.visible_to(user).select_related("project")
        .order_by("-received_on", "-id")[:RECENT_RECEIPTS]})


@association_required
@require_GET
def project_detail(request, pk):
    project = scoped_project(request, pk)
    return render(request, "web/association/project.html", {
        "project": project, "rows": waterfall(project),
        "pledges": project.pledges.with_missing().order_by("-created_at", "-id"),
        "receipts": project.receipts.select_related("pledge").order_by("-received_on", "-id"),
        "tranches": Tranche.objects.filter(commitment__project=project)
        .select_related("commitment__funder").order_by("number", "commitment__position"),
        "decisions": project.timeline.select_related("actor").order_by("at", "id")})


@association_required
def renew(request):
    association = (MigrantAssociation.objects.prefetch_related("board", "home_mahallas")
                   .get(pk=request.user.association_id))
    if not association.renewal_open(timezone.localdate()):
        messages.info(request, _("Renewal opens 90 days before the registration lapses."))
        return redirect("association-home")
    if association.applications.filter(status=ApplicationStatus.PENDING).exists():
        messages.info(request, _("Your application is waiting for a decision."))
        return redirect("association-home")
    homes = list(association.home_mahallas.all())
    initial = {"name": association.name, "host_country": association.host_country,
               "host_city": association.host_city, "member_count": association.member_count,
               "email": association.email or request.user.email,
               "contact_name": request.user.get_full_name(), "phone": request.user.phone,
               "home_mahallas": homes,
               "district": homes[0].district_id if homes else None}
    board = [{"full_name": b.full_name, "position": b.position, "phone": b.phone,
              "email": b.email} for b in association.board.all()]
    response, _application = _application_page(
        request, kind=ApplicationKind.RENEWAL, association=association, initial=initial,
        board=board, selected=homes)
    if response:
        return response
    messages.success(request, _("Your renewal was sent; an administrator will decide on it."))
    return redirect("association-home")


@association_required
def proposal_new(request):
    association = MigrantAssociation.objects.get(pk=request.user.association_id)
    if not association.home_mahallas.exists():
        raise PermissionDenied
    form = ProposalForm(request.POST or None, association=association)
    done, proposal, status = submit(request, form, lambda data: services.proposal_create(
        actor=request.user, **data))
    if done:
        messages.success(request, _("Your proposal was sent to the clerk of %(mahalla)s.")
                         % {"mahalla": local_name(proposal.mahalla)})
        return redirect("association-home")
    return render(request, "association/proposal_form.html", {"form": form}, status=status)
