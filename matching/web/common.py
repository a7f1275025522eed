"""What the web views share: who may open which area, scoped project look-ups, and how a
service's refusal lands on the form that caused it."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from ..errors import ServiceError
from ..models import Project, ProjectStatus, Role

S = ProjectStatus
# a project is public once a decision approved it, and stays public whatever follows
PUBLIC_STATES = (S.APPROVED, S.CONDITIONALLY_APPROVED, S.FUNDING, S.FUNDED, S.IN_PROGRESS,
                 S.COMPLETED, S.CLOSED)
REVIEW_STATES = (S.SUBMITTED, S.UNDER_REVIEW, S.DEFERRED)


def public_projects() -> QuerySet:
    """Approved projects and later; a suspended or cancelled one only if it was approved
    (it then carries the scheme version it was approved under)."""
    return Project.objects.filter(
        Q(status__in=PUBLIC_STATES)
        | Q(status__in=(S.SUSPENDED, S.CANCELLED), scheme_version__isnull=False))


def clerk_projects(user) -> QuerySet:
    return Project.objects.filter(mahalla__in=user.mahallas.all())


def officer_projects(user) -> QuerySet:
    """An officer's district; an administrator's region (or every project)."""
    if user.is_superuser or (user.role == Role.ADMINISTRATOR and user.region_id is None):
        return Project.objects.all()
    if user.role == Role.ADMINISTRATOR:
        return Project.objects.filter(mahalla__district__region_id=user.region_id)
    return Project.objects.filter(mahalla__district_id=user.district_id)


def is_officer_like(user) -> bool:
    return user.role in (Role.OFFICER, Role.ADMINISTRATOR) or user.is_superuser


def role_required(check):
    """Log in first; then a user whose role does not fit the area gets 403."""

    def decorate(view):
        @functools.wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


clerk_required = role_required(lambda user: user.role == Role.CLERK)
officer_required = role_required(is_officer_like)


def _one_of(projects: QuerySet, pk: int) -> Project:
    return get_object_or_404(projects.select_related("mahalla__district", "association", "scheme"),
                             pk=pk)


def clerk_project(request, pk: int) -> Project:
    """One of the clerk's projects; another mahalla's answers 404, not 403."""
    return _one_of(clerk_projects(request.user), pk)


def officer_project(request, pk: int) -> Project:
    """One of the officer's (or administrator's) projects; another district's answers 404."""
    return _one_of(officer_projects(request.user), pk)


def add_service_error(form, error: ServiceError) -> None:
    """Put the service's message on the field it names, or on the form as a whole."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def submit(request, form, save):
    """A form page's POST: validate `form`, then `save(cleaned_data)`; a service's refusal
    lands on the form, which keeps what was typed. Returns (done, what save returned, the
    status to render the form with)."""
    if request.method != "POST":
        return False, None, 200
    if not form.is_valid():
        return False, None, 400
    try:
        return True, save(form.cleaned_data), 200
    except ServiceError as error:
        add_service_error(form, error)
        return False, None, error.status
