"""Users and roles on pages: the people an administrator manages, inviting someone by
e-mail (a one-time link that expires), changing a role and its scope, withdrawing access."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ... import mail, policies, services
from ...errors import ServiceError
from ...models import District, Invitation, MigrantAssociation, Region, Role, User
from ..association_forms import ReasonForm
from ..common import add_service_error, submit
from ..placepick import add_mahalla_picker, showing_mahallas
from .common import admin_required, managed

PAGE_SIZE = 50
TIME_ZONES = ["Asia/Tashkent", "Asia/Samarkand", "Asia/Dushanbe", "Asia/Bishkek",
              "Europe/Moscow", "Europe/Samara", "Asia/Yekaterinburg", "Asia/Novosibirsk",
              "Asia/Almaty", "Europe/Istanbul", "Asia/Seoul", "Asia/Dubai", "Europe/Berlin",
              "Europe/London", "America/New_York"]


class RoleForm(forms.Form):
    """A person's role and the scope it needs; the service checks each against the role and
    against what the administrator manages."""

    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices)
    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=150,
                                 required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=150, required=False)
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), queryset=Region.objects.none(),
                                    required=False,
                                    help_text=gettext_lazy("For an administrator: empty for "
                                                           "the whole programme."))
    association = forms.ModelChoiceField(label=gettext_lazy("Association"),
                                         queryset=MigrantAssociation.objects.none(),
                                         required=False)
    superior = forms.ModelChoiceField(label=gettext_lazy("Superior"), required=False,
                                      queryset=User.objects.none(),
                                      help_text=gettext_lazy("Receives escalations of this "
                                                             "person's overdue work."))
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    timezone_name = forms.ChoiceField(label=gettext_lazy("Time zone"),
                                      choices=[(z, z) for z in TIME_ZONES])

    def __init__(self, *args, actor, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.managed_by(actor)
        self.fields["association"].queryset = MigrantAssociation.objects.managed_by(actor)
        self.fields["superior"].queryset = (
            User.objects.managed_by(actor).filter(is_active=True, role__in=(
                Role.OFFICER, Role.ADMINISTRATOR)).exclude(pk=getattr(user, "pk", None))
            .order_by("username"))
        if not policies.programme_wide(actor):
            self.fields["role"].choices = [c for c in Role.choices if c[0] not in (
                Role.AUDITOR, Role.COMMITTEE)]
        add_mahalla_picker(self, field="mahallas", districts=District.objects.managed_by(actor),
                           selected=list(user.mahallas.all()) if user else (), required=False)
        self.fields["district"].help_text = gettext_lazy(
            "An officer's district; for a clerk, the district of her mahallas.")

    def scope(self) -> dict:
        data = self.cleaned_data
        return {"role": data["role"], "mahallas": data.get("mahallas") or [],
                "district": data.get("district"), "region": data.get("region"),
                "association": data.get("association"), "superior": data.get("superior"),
                "first_name": data["first_name"], "last_name": data["last_name"],
                "language": data["language"], "timezone_name": data["timezone_name"]}


class InviteForm(RoleForm):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150, required=False,
                               help_text=gettext_lazy("Empty: the e-mail address."))

    field_order = ["email", "username", "first_name", "last_name", "role"]


@admin_required
def user_list(request):
    users = User.objects.managed_by(request.user).select_related("district", "region",
                                                                 "association")
    role, query = request.GET.get("role", ""), request.GET.get("q", "").strip()[:100]
    if role in Role.values:
        users = users.filter(role=role)
    if query:
        users = users.filter(Q(username__icontains=query) | Q(email__icontains=query)
                             | Q(first_name__icontains=query) | Q(last_name__icontains=query))
    page = Paginator(users.order_by("-is_active", "username"), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "setup/users/list.html", {
        "page": page, "roles": Role.choices, "role": role, "q": query})


def _sent(request, user, invitation, token):
    if mail.invitation(user, invitation, token, inviter=request.user):
        messages.success(request, _("The invitation was sent to %(email)s; the link works "
                                    "until %(date)s.") % {
            "email": user.email, "date": invitation.expires_at.date().isoformat()})
    else:
        messages.warning(request, _("The account of %(email)s was made, but the e-mail could "
                                    "not be sent: send the invitation again later.")
                         % {"email": user.email})


@admin_required
def user_invite(request):
    form = InviteForm(request.POST or None, actor=request.user,
                      initial={"language": request.LANGUAGE_CODE, "timezone_name": TIME_ZONES[0]})
    if showing_mahallas(request):
        return render(request, "setup/users/invite.html", {"form": form})
    done, invited, status = submit(request, form, lambda data: services.user_invite(
        actor=request.user, email=data["email"], username=data["username"], **form.scope()))
    if done:
        _sent(request, *invited)
        return redirect("setup-user", pk=invited[0].pk)
    return render(request, "setup/users/invite.html", {"form": form}, status=status)


@admin_required
def user_detail(request, pk):
    user = managed(User.objects.select_related("district", "region", "association", "superior"),
                   request.user, pk=pk)
    home = user.mahallas.select_related("district").first()
    form = RoleForm(request.POST or None, actor=request.user, user=user, initial={
        "role": user.role, "first_name": user.first_name, "last_name": user.last_name,
        "region": user.region, "association": user.association, "superior": user.superior,
        "district": user.district or (home.district if home else None),
        "mahallas": list(user.mahallas.all()), "language": user.language,
        "timezone_name": user.timezone})
    if showing_mahallas(request):
        return _detail(request, user, form)
    done, _user, status = submit(request, form, lambda data: services.user_update(
        actor=request.user, user=user, **form.scope()))
    if done:
        messages.success(request, _("The role of %(user)s was saved.") % {"user": user})
        return redirect("setup-user", pk=user.pk)
    return _detail(request, user, form, status=status)


def _detail(request, user, form, withdraw=None, status=200):
    return render(request, "setup/users/detail.html", {
        "person": user, "form": form, "withdraw": withdraw or ReasonForm(),
        "invitation": Invitation.objects.filter(user=user).order_by("-created_at").first(),
        "is_self": user.pk == request.user.pk}, status=status)


@admin_required
@require_POST
def user_withdraw(request, pk):
    user = managed(User.objects.all(), request.user, pk=pk)
    withdraw = ReasonForm(request.POST)
    if withdraw.is_valid():
        try:
            services.user_withdraw(actor=request.user, user=user, **withdraw.cleaned_data)
        except ServiceError as error:
            add_service_error(withdraw, error)
        else:
            messages.success(request, _("The access of %(user)s was withdrawn.") % {"user": user})
            return redirect("setup-user", pk=user.pk)
    return _detail(request, user, RoleForm(actor=request.user, user=user), withdraw,
                   status=400)


@admin_required
@require_POST
def user_reinvite(request, pk):
    user = managed(User.objects.all(), request.user, pk=pk)
    try:
        invitation, token = services.invitation_resend(actor=request.user, user=user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        _sent(request, user, invitation, token)
    return redirect("setup-user", pk=user.pk)


@admin_required
@require_POST
def user_reinstate(request, pk):
    user = managed(User.objects.all(), request.user, pk=pk)
    try:
        services.user_reinstate(actor=request.user, user=user)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(user)s has access again.") % {"user": user})
    return redirect("setup-user", pk=user.pk)
