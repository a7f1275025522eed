"""What the web views share: who may open which area, scoped project look-ups, and how a
service's refusal lands on the form that caused it."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .. import policies
from ..errors import ServiceError
from ..models import Project, Role
from ..text import CONTROL_MESSAGE, find_control
from . import stash


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
officer_required = role_required(policies.is_officer_like)


def scoped_project(request, pk: int) -> Project:
    """One of the projects in the user's scope; any other answers 404, as a missing one."""
    return get_object_or_404(Project.objects.visible_to(request.user)
                             .select_related("mahalla__district", "association", "scheme"), pk=pk)


def add_service_error(form, error: ServiceError) -> None:
    """Put the service's message on the field it names, or on the form as a whole."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _refuse_control_characters(form) -> bool:
    """Put the services' refusal of control characters (text.py) on the field that has them,
    before any service runs; True if one did."""
    found = False
    for name, value in list(form.cleaned_data.items()):
        if find_control(value) is not None:
            form.add_error(name, _(CONTROL_MESSAGE))
            found = True
    return found


def submit(request, form, save):
    """A form page's POST: validate `form`, then `save(cleaned_data)`; a service's refusal
    lands on the form, which keeps what was typed and the files chosen (stash.py: kept for
    the corrected submit, without JavaScript too). Returns (done, what save returned, the
    status to render the form with)."""
    if request.method != "POST":
        return False, None, 200
    kept = stash.restore(request, form)
    try:
        done, result, status = _validate_and_save(form, save, kept)
    finally:
        stash.close(form)
    if done:
        stash.discard(kept)
    else:
        stash.keep(request, form, kept)
    return done, result, status


def _validate_and_save(form, save, kept):
    valid = form.is_valid()
    token_refused = stash.after_validation(form, kept)  # needs the validated form
    if not valid or token_refused or _refuse_control_characters(form):
        return False, None, 400
    try:
        return True, save(form.cleaned_data), 200
    except ServiceError as error:
        add_service_error(form, error)
        return False, None, error.status
