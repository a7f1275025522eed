"""The migrant association's pages: applying for registration (without an account), its own
page (registration, renewal, proposals), the renewal and the proposal of a project."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services
from ..errors import ServiceError
from ..places import local_name
from ..models import ApplicationKind, ApplicationStatus, MigrantAssociation, Role
from .association_forms import ApplicationForm, BoardFormSet, ProposalForm, board_of
from .common import add_service_error, role_required, submit
from .placepick import showing_mahallas

association_required = role_required(lambda user: user.role == Role.ASSOCIATION
                                     and user.association_id is not None)


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
def home(request):
    association = (MigrantAssociation.objects.prefetch_related("home_mahallas__district")
                   .get(pk=request.user.association_id))
    today = timezone.localdate()
    return render(request, "association/home.html", {
        "association": association, "problem": association.registration_problem(today),
        "renewal_open": association.renewal_open(today),
        "pending": association.applications.filter(status=ApplicationStatus.PENDING).first(),
        "applications": association.applications.order_by("-created_at")[:10],
        "proposals": association.proposals.select_related("mahalla", "project")
        .order_by("-created_at")[:50]})


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
