"""A clerk applies a submitted project to an open call, or withdraws the application while the
call is open (the project's page shows both, see templatetags/calls.py)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..errors import ServiceError
from ..models import Application, Call
from .common import clerk_required, scoped_project


class ApplyForm(forms.Form):
    call = forms.ModelChoiceField(queryset=Call.objects.none())

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["call"].queryset = Call.objects.open_for(project, timezone.localdate())


@clerk_required
@require_POST
def apply(request, pk):
    project = scoped_project(request, pk)
    form = ApplyForm(request.POST, project=project)
    try:
        if not form.is_valid():
            raise ServiceError(_("Choose a call that is open for this project."))
        services.application_submit(actor=request.user, call=form.cleaned_data["call"],
                                    project=project)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(code)s applied to call %(call)s.") % {
            "code": project.code, "call": form.cleaned_data["call"].code})
    return redirect("clerk-project", pk=project.pk)


@clerk_required
@require_POST
def withdraw(request, pk):
    application = get_object_or_404(Application.objects.visible_to(request.user)
                                    .select_related("call", "project"), pk=pk)
    try:
        services.application_withdraw(actor=request.user, application=application)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The application was withdrawn."))
    return redirect("clerk-project", pk=application.project_id)
