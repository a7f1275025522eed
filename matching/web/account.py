"""Log in, log out, and the home page that sends each role to its own area."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .. import policies, security, services
from ..models import Role
from ..services.users import invitation_for, invitation_problem
from .common import submit


class LoginView(auth_views.LoginView):
    """Django's login (django-axes locks a name and address out after repeated failures);
    a first login also switches the pages to the user's own language."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        security.log_login(self.request, form.get_user())
        language = form.get_user().language
        if (settings.LANGUAGE_COOKIE_NAME not in self.request.COOKIES
                and language in dict(settings.LANGUAGES)):
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response

    def form_invalid(self, form):
        # axes has flagged the request by now when this attempt hit the limit
        locked = getattr(self.request, "axes_locked_out", False)
        security.log_refusal(self.request, 429 if locked else 401, "login {} for {}".format(
            "locked out" if locked else "failed", form.data.get("username", "")[:150]))
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """POST only; then back to the home page (LOGOUT_REDIRECT_URL)."""


HOMES = {Role.CLERK: "clerk-dashboard", Role.OFFICER: "officer-queue",
         Role.ADMINISTRATOR: "officer-queue", Role.ASSOCIATION: "association-home",
         Role.AUDITOR: "audit-home", Role.COMMITTEE: "committee-home"}


def home(request):
    """Each role to its own home; the anonymous (and a user without a role) to the public
    projects."""
    return redirect(HOMES.get(policies.role_of(request.user), "public-projects"))


def invitation(request, token):
    """An invited person opens the one-time link and chooses a password; then logs in. A
    used, replaced or expired link says so (and what to do), and changes nothing."""
    found = invitation_for(token)
    problem = invitation_problem(found)
    if problem:
        return render(request, "web/invitation.html", {"problem": problem}, status=410
                      if found is not None else 404)
    # Django's choose-a-password form: its validators say what a good password is
    form = SetPasswordForm(found.user, request.POST or None)
    done, _user, status = submit(request, form, lambda data: services.invitation_accept(
        actor=found.user, invitation=found, password=data["new_password1"]))
    if done:
        messages.success(request, _("Your password is set: log in with your user name "
                                    "%(username)s.") % {"username": found.user.username})
        return redirect("login")
    return render(request, "web/invitation.html", {"form": form, "person": found.user},
                  status=status)
