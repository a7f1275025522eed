"""Users: invited by e-mail with a one-time link, given a role and a scope, changed and
withdrawn by administrators. A regional administrator manages only the people and places of
his region; programme-wide roles (auditors, committee members, national administrators) are
the programme's administrators' to give."""

import datetime
import hashlib
import secrets
import zoneinfo

import pghistory
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import (INVITATION_DAYS, District, Invitation, Mahalla, MigrantAssociation, Role,
                      User)
from .base import required_reason, service

PROGRAMME_WIDE_ROLES = frozenset({Role.AUDITOR, Role.COMMITTEE})


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _managed(actor, model, obj) -> bool:
    return model.objects.managed_by(actor).filter(pk=obj.pk).exists()


def check_scope(actor, *, role: str, mahallas=(), district=None, region=None,
                association=None) -> dict:
    """The scope fields for `role`, checked against what `actor` manages. Each role has
    exactly the scope it uses: a clerk mahallas, an officer a district, an administrator a
    region or none (the programme), an association user his association."""
    if role not in Role.values:
        raise InvalidInput(_("Choose a role."), field="role")
    mahallas = list(mahallas or [])
    scope = {"mahallas": [], "district": None, "region": None, "association": None}
    if role == Role.CLERK:
        if not mahallas:
            raise InvalidInput(_("A clerk needs at least one mahalla."), field="mahallas")
        if any(not _managed(actor, Mahalla, m) for m in mahallas):
            raise Forbidden(_("You may only give mahallas of your region."))
        scope["mahallas"] = mahallas
    elif role == Role.OFFICER:
        if district is None:
            raise InvalidInput(_("An officer needs a district."), field="district")
        if not _managed(actor, District, district):
            raise Forbidden(_("You may only give districts of your region."))
        scope["district"] = district
    elif role == Role.ADMINISTRATOR:
        if region is None and not policies.programme_wide(actor):
            raise Forbidden(_("Only programme administrators may make administrators of the "
                              "whole programme."))
        if region is not None and not policies.programme_wide(actor) and (
                region.pk != actor.region_id):
            raise Forbidden(_("You may only give your own region."))
        scope["region"] = region
    elif role == Role.ASSOCIATION:
        if association is None:
            raise InvalidInput(_("An association user needs an association."),
                               field="association")
        if not _managed(actor, MigrantAssociation, association):
            raise Forbidden(_("You may only give associations of your region."))
        scope["association"] = association
    elif not policies.programme_wide(actor):  # auditors, committee members
        raise Forbidden(_("Only programme administrators may give this role."))
    return scope


def _check_person(email: str, timezone_name: str, language: str) -> None:
    if not email:
        raise InvalidInput(_("Give the person's e-mail address."), field="email")
    try:
        zoneinfo.ZoneInfo(timezone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(_("Unknown time zone."), field="timezone") from None
    from django.conf import settings  # noqa: PLC0415

    if language not in dict(settings.LANGUAGES):
        raise InvalidInput(_("Unknown language."), field="language")


def _issue(user: User, actor) -> tuple[Invitation, str]:
    """A new one-time link for `user`; any earlier link that was not used stops working."""
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True,
                              revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        user=user, email=user.email, token_hash=token_hash(token), invited_by=actor,
        expires_at=now + datetime.timedelta(days=INVITATION_DAYS))
    return invitation, token


@service
def user_invite(*, actor, email: str, role: str, first_name: str = "", last_name: str = "",
                username: str = "", mahallas=(), district=None, region=None, association=None,
                superior=None, language: str = "uz",
                timezone_name: str = "Asia/Tashkent") -> tuple[User, Invitation, str]:
    """Create the person's account, inactive until they choose a password through the
    link, and the link's token (returned once, to be e-mailed: only its hash is kept)."""
    policies.require_administrator(actor)
    email = (email or "").strip().lower()
    _check_person(email, timezone_name, language)
    scope = check_scope(actor, role=role, mahallas=mahallas, district=district, region=region,
                        association=association)
    if superior is not None and not _managed(actor, User, superior):
        raise Forbidden(_("You may only choose a superior of your region."))
    username = (username or "").strip() or email
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("Another user has this user name."), field="username")
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(_("A user with this e-mail address exists: change that user instead."),
                       field="email")
    user = User(username=username, email=email, first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip(), role=role, district=scope["district"],
                region=scope["region"], association=scope["association"], superior=superior,
                language=language, timezone=timezone_name, is_active=False)
    user.set_unusable_password()
    user.save()
    user.mahallas.set(scope["mahallas"])
    invitation, token = _issue(user, actor)
    return user, invitation, token


def _require_manages_user(actor, user: User) -> None:
    policies.require_administrator(actor)
    if not _managed(actor, User, user):
        raise Forbidden(_("This user is not in your region."))
    if user.is_superuser and not actor.is_superuser:
        raise Forbidden(_("Only a superuser may change a superuser."))


@service
def invitation_resend(*, actor, user: User) -> tuple[Invitation, str]:
    """A fresh link for someone who has not accepted yet (the old link stops working)."""
    _require_manages_user(actor, user)
    if user.has_usable_password():
        raise NotAllowed(_("%(user)s has already accepted the invitation.") % {"user": user})
    return _issue(user, actor)


def invitation_for(token: str) -> Invitation | None:
    """The invitation a link carries, whatever its state (the page says why it cannot be
    used), or None."""
    if not token or len(token) > 100:
        return None
    return Invitation.objects.select_related("user").filter(token_hash=token_hash(token)).first()


def invitation_problem(invitation: Invitation | None) -> str | None:
    if invitation is None or invitation.revoked_at is not None:
        return _("This invitation link is not valid (a newer one may have been sent). Ask "
                 "your administrator for a new one.")
    if invitation.accepted_at is not None:
        return _("This invitation link was already used. Log in with the password you chose.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation link expired. Ask your administrator for a new one.")
    return None


@service
def invitation_accept(*, actor, invitation: Invitation, password: str) -> User:
    """The invited person (`actor`, the invitation's user) chooses a password; the link then
    stops working. Claimed with a compare-and-swap update: of two uses at once, one wins."""
    problem = invitation_problem(invitation)
    if problem:
        raise NotAllowed(problem)
    user = User.objects.select_for_update().get(pk=invitation.user_id)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages), field="new_password1") from None
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True,
                                        revoked_at__isnull=True,
                                        expires_at__gt=timezone.now()).update(
        accepted_at=timezone.now())
    if claimed != 1:
        raise NotAllowed(_("This invitation link was already used."))
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


@service
def user_update(*, actor, user: User, role: str, first_name: str, last_name: str,
                mahallas=(), district=None, region=None, association=None, superior=None,
                language: str | None = None, timezone_name: str | None = None) -> User:
    """Change someone's role and scope (and name, language, time zone). Nobody changes his
    own role: another administrator must (no one widens his own powers)."""
    _require_manages_user(actor, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.pk == actor.pk and (role != user.role or region != user.region):
        raise NotAllowed(_("Another administrator must change your own role or scope."),
                         field="role")
    scope = check_scope(actor, role=role, mahallas=mahallas, district=district, region=region,
                        association=association)
    if superior is not None and (superior.pk == user.pk or not _managed(actor, User, superior)):
        raise InvalidInput(_("Choose another person as superior."), field="superior")
    language = language or user.language
    timezone_name = timezone_name or user.timezone
    _check_person(user.email or "-", timezone_name, language)
    user.role, user.first_name, user.last_name = role, first_name.strip(), last_name.strip()
    user.district, user.region, user.association = (scope["district"], scope["region"],
                                                    scope["association"])
    user.superior, user.language, user.timezone = superior, language, timezone_name
    user.save()
    user.mahallas.set(scope["mahallas"])
    return user


@service
def user_withdraw(*, actor, user: User, reason: str) -> User:
    """Withdraw someone's access: the account is kept (its history names it) but can no
    longer log in; API tokens and unused invitations stop working. The reason goes into
    the audit trail with the change."""
    from knox.models import AuthToken  # noqa: PLC0415

    reason = required_reason(reason, _("Give a reason: it is kept in the audit trail."))
    _require_manages_user(actor, user)
    if user.pk == actor.pk:
        raise NotAllowed(_("You cannot withdraw your own access."))
    with pghistory.context(reason=reason):
        user = User.objects.select_for_update().get(pk=user.pk)
        user.is_active = False
        user.save(update_fields=["is_active"])
        Invitation.objects.filter(user=user, accepted_at__isnull=True,
                                  revoked_at__isnull=True).update(revoked_at=timezone.now())
        AuthToken.objects.filter(user=user).delete()
    return user


@service
def user_reinstate(*, actor, user: User) -> User:
    """Give a withdrawn person access again (with the password they had; someone who never
    accepted an invitation gets a new invitation instead)."""
    _require_manages_user(actor, user)
    if not user.has_usable_password():
        raise NotAllowed(_("%(user)s never chose a password: send the invitation again.")
                         % {"user": user})
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user
