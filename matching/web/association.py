"""The migrant association's own pages: its projects, pledges (what is still missing, and by
when), receipts with their references, tranches, decisions with their reasons, and the works.
Everything through `visible_to`: another association's project answers 404, as a missing one."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import policies
from ..models import Pledge, Project, Receipt, Role, Tranche
from ..waterfall import waterfall
from .common import role_required, scoped_project

association_required = role_required(lambda user: policies.role_of(user) == Role.ASSOCIATION)
PAGE_SIZE = 25
RECENT_RECEIPTS = 20


@association_required
@require_GET
def home(request):
    user = request.user
    projects = (Project.objects.visible_to(user).select_related("mahalla__district")
                .order_by("-created_at", "-id"))
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("page"))
    pledges = (Pledge.objects.visible_to(user).announced().with_missing()
               .select_related("project").order_by("expected_on", "id"))
    receipts = (Receipt.objects.visible_to(user).select_related("project")
                .order_by("-received_on", "-id")[:RECENT_RECEIPTS])
    return render(request, "web/association/home.html", {
        "association": user.association, "page": page, "pledges": pledges,
        "receipts": receipts})


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
