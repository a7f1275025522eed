"""E-mails that a page sends right after its change was committed: invitations (their link
carries a token that is never stored, so it cannot wait in a queue) and the answers to
associations' applications. A failure does not undo the change: the page says the mail did
not go, and the administrator can send it again."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def site_link(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def send(*, to: str, subject: str, body: str) -> bool:
    """Send now; False (and a log line) when the mail server refused or was unreachable."""
    try:
        EmailMessage(subject=subject, body=body, to=[to],
                     from_email=settings.DEFAULT_FROM_EMAIL).send(fail_silently=False)
    except Exception:  # SMTP refusals, timeouts, DNS: the caller tells the administrator
        log.warning("could not send %r to %s", subject, to, exc_info=True)
        return False
    return True


def invitation(user, invitation, token: str, *, inviter) -> bool:
    link = site_link(reverse("invitation", args=[token]))
    with translation.override(user.language):
        params = {"name": user.get_full_name() or user.email, "inviter": inviter,
                  "role": user.get_role_display(), "link": link,
                  "date": formats.date_format(invitation.expires_at, "DATE_FORMAT"),
                  "username": user.username}
        return send(to=user.email, subject=_("Your access to Hashar"), body=_(
            "Hello %(name)s,\n\n%(inviter)s gives you access to Hashar as: %(role)s.\n"
            "Your user name is %(username)s. Choose your password here (the link works once, "
            "until %(date)s):\n\n%(link)s\n") % params)


def application_decided(application, language: str) -> bool:
    """Tell the applicant the decision (an approval of a first registration also brings an
    invitation, sent separately)."""
    with translation.override(language):
        params = {"name": application.name, "reason": application.reason,
                  "date": formats.date_format(application.association.valid_until, "DATE_FORMAT")
                  if application.association_id and application.status == "approved" else "",
                  "link": site_link(reverse("association-home"))}
        if application.status == "approved":
            return send(to=application.email, subject=_("Registration of %(name)s approved")
                        % params, body=_("The registration of %(name)s is valid until "
                                         "%(date)s.\n\n%(link)s\n") % params)
        return send(to=application.email, subject=_("Registration of %(name)s refused") % params,
                    body=_("The application of %(name)s was refused. Reason: %(reason)s\n"
                           "You may apply again with what was missing.\n") % params)
