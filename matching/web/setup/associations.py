"""The association registry on pages: associations and the state of their registration,
the applications waiting for a decision, and the decision (approve, or refuse with a
reason). Approving a first registration invites the applicant's contact to log in."""

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ... import mail, services
from ...errors import ServiceError
from ...models import (ApplicationKind, ApplicationStatus, MigrantAssociation,
                       RegistrationApplication, Role, User)
from ..association_forms import ReasonForm
from ..common import add_service_error
from .common import admin_required, managed

EXPIRING_DAYS = 30
PAGE_SIZE = 50


class ApproveForm(forms.Form):
    registration_number = forms.CharField(
        label=gettext_lazy("Registration number"), max_length=40, required=False,
        help_text=gettext_lazy("Empty: the programme's next number (HSR-year-n). A renewal "
                               "keeps its number."))


@admin_required
def association_list(request):
    today = timezone.localdate()
    associations = MigrantAssociation.objects.managed_by(request.user).annotate(
        pending=Count("applications", filter=Q(applications__status=ApplicationStatus.PENDING)))
    state = request.GET.get("state", "")
    if state == "lapsed":
        associations = associations.filter(valid_until__lt=today)
    elif state == "expiring":
        associations = associations.filter(
            valid_until__gte=today, valid_until__lte=today + datetime.timedelta(days=EXPIRING_DAYS))
    page = Paginator(associations.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "setup/associations/list.html", {
        "page": page, "state": state, "today": today,
        "soon": today + datetime.timedelta(days=EXPIRING_DAYS),
        "waiting": RegistrationApplication.objects.managed_by(request.user)
        .filter(status=ApplicationStatus.PENDING).count()})


@admin_required
def association_detail(request, pk):
    association = managed(MigrantAssociation.objects.prefetch_related(
        "home_mahallas__district", "board"), request.user, pk=pk)
    return render(request, "setup/associations/detail.html", {
        "association": association, "today": timezone.localdate(),
        "applications": association.applications.select_related("decided_by")
        .order_by("-created_at"),
        "users": association.users.order_by("username")})


@admin_required
def application_list(request):
    applications = (RegistrationApplication.objects.managed_by(request.user)
                    .filter(status=ApplicationStatus.PENDING).select_related("association")
                    .prefetch_related("home_mahallas").order_by("created_at"))
    return render(request, "setup/associations/applications.html",
                  {"applications": applications})


def _invite_contact(request, application, association):
    """After a first registration: the contact gets an association account, by invitation,
    unless someone already has that address."""
    if User.objects.filter(email__iexact=application.email).exists():
        return None
    return services.user_invite(
        actor=request.user, email=application.email, role=Role.ASSOCIATION,
        association=association, first_name=application.contact_name, language=(
            request.LANGUAGE_CODE or "uz"))


@admin_required
def application_detail(request, pk):
    application = managed(RegistrationApplication.objects.select_related(
        "association", "decided_by").prefetch_related("home_mahallas__district"),
        request.user, pk=pk)
    approve = ApproveForm(request.POST if "approve" in request.POST else None)
    refuse = ReasonForm(request.POST if "refuse" in request.POST else None)
    status, invited = 200, None
    if request.method == "POST":
        form = approve if "approve" in request.POST else refuse
        if form.is_valid():
            try:
                with transaction.atomic():
                    if form is approve:
                        association = services.application_approve(
                            actor=request.user, application=application, **form.cleaned_data)
                        if application.kind == ApplicationKind.NEW:
                            invited = _invite_contact(request, application, association)
                    else:
                        services.application_refuse(actor=request.user, application=application,
                                                    **form.cleaned_data)
            except ServiceError as error:
                add_service_error(form, error)
                status = error.status
            else:
                return _decided(request, application.pk, invited)
        else:
            status = 400
    return render(request, "setup/associations/application.html", {
        "application": application, "approve": approve, "refuse": refuse}, status=status)


def _decided(request, pk, invited):
    application = RegistrationApplication.objects.select_related("association").get(pk=pk)
    sent = mail.application_decided(application, request.LANGUAGE_CODE)
    if invited is not None:
        user, invitation, token = invited
        sent &= mail.invitation(user, invitation, token, inviter=request.user)
    if application.status == ApplicationStatus.APPROVED:
        messages.success(request, _("%(name)s is registered until %(date)s.") % {
            "name": application.association.name,
            "date": application.association.valid_until.isoformat()})
    else:
        messages.success(request, _("The application was refused; the reason was sent."))
    if not sent:
        messages.warning(request, _("The e-mail to %(email)s could not be sent.")
                         % {"email": application.email})
    return redirect("setup-application", pk=pk)
