"""Migrant associations apply for registration and renew it; administrators approve or
refuse, with a reason. Validity runs REGISTRATION_YEARS from the day of approval."""

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import (MIN_MEMBERS, ApplicationKind, ApplicationStatus, BoardMember,
                      MigrantAssociation, RegistrationApplication, Role)
from ..models.associations import valid_until
from ..uploads import validate_upload
from .base import record_decision, required_reason, service

BOARD_FIELDS = ("full_name", "position", "phone", "email")


def _clean_board(board: list[dict]) -> list[dict]:
    members = [{k: (m.get(k) or "").strip() for k in BOARD_FIELDS} for m in board or []]
    members = [m for m in members if any(m.values())]
    if not members:
        raise InvalidInput(_("Name at least the chair of the board."), field="board")
    for member in members:
        if not (member["full_name"] and member["position"]):
            raise InvalidInput(_("Give the full name and position of each board member."),
                               field="board")
    return members


@service
def association_apply(*, actor, kind: str = ApplicationKind.NEW,
                      association: MigrantAssociation | None = None, name: str,
                      host_country: str, host_city: str, home_mahallas, member_count: int,
                      board: list[dict], statutes, contact_name: str, email: str,
                      phone: str = "") -> RegistrationApplication:
    """Apply for registration (anyone, with or without an account) or for its renewal (the
    association's own users, from RENEWAL_OPENS_DAYS before it lapses). Needs the statutes,
    at least MIN_MEMBERS adult members, a board and at least one home mahalla."""
    if kind == ApplicationKind.RENEWAL:
        if association is None or actor is None or actor.association_id != association.pk:
            raise Forbidden(_("Only the association's own users may renew its registration."))
        association = MigrantAssociation.objects.select_for_update().get(pk=association.pk)
        if not association.renewal_open(timezone.localdate()):
            raise NotAllowed(_("Renewal opens 90 days before the registration lapses, on "
                               "%(date)s.") % {"date": association.valid_until.isoformat()})
        if association.applications.filter(status=ApplicationStatus.PENDING).exists():
            raise Conflict(_("An application of %(name)s is already waiting for a decision.")
                           % {"name": association.name})
    elif kind != ApplicationKind.NEW or association is not None:
        raise InvalidInput(_("Unknown kind of application."), field="kind")
    if member_count is None or member_count < MIN_MEMBERS:
        raise InvalidInput(_("An association needs at least %(min)s adult members.") % {
            "min": MIN_MEMBERS}, field="member_count")
    mahallas = list(home_mahallas or [])
    if not mahallas:
        raise InvalidInput(_("Choose at least one home mahalla."), field="home_mahallas")
    host_country = (host_country or "").strip().upper()
    if len(host_country) != 2 or not host_country.isalpha():
        raise InvalidInput(_("Choose the host country."), field="host_country")
    for field, value in (("name", name), ("host_city", host_city),
                         ("contact_name", contact_name), ("email", email)):
        if not (value or "").strip():
            raise InvalidInput(_("This field is required."), field=field)
    validate_upload(statutes, field="statutes")
    application = RegistrationApplication.objects.create(
        kind=kind, association=association, name=name.strip(), host_country=host_country,
        host_city=host_city.strip(), member_count=member_count, board=_clean_board(board),
        statutes=statutes, contact_name=contact_name.strip(), email=email.strip(),
        phone=(phone or "").strip(), submitted_by=actor if actor and actor.pk else None)
    application.home_mahallas.set(mahallas)
    return application


def _lock_pending(actor, application) -> RegistrationApplication:
    policies.require_administrator(actor)
    if not RegistrationApplication.objects.managed_by(actor).filter(pk=application.pk).exists():
        raise Forbidden(_("This application is not in your region."))
    application = RegistrationApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != ApplicationStatus.PENDING:
        raise NotAllowed(_("This application was already decided."))
    return application


def _next_registration_number(today) -> str:
    """HSR-<year>-<n>: the programme's own register, numbered within the year."""
    prefix = f"HSR-{today.year}-"
    taken = (MigrantAssociation.objects.filter(registration_number__startswith=prefix)
             .aggregate(n=Max("registration_number"))["n"])
    number = int(taken.removeprefix(prefix)) + 1 if taken and taken.removeprefix(
        prefix).isdigit() else 1
    return f"{prefix}{number:04d}"


@service
def application_approve(*, actor, application: RegistrationApplication,
                        registration_number: str = "") -> MigrantAssociation:
    """Approve: a first registration creates the association (with the number given, or the
    programme's next one); a renewal writes what it declared into the association. Either
    way validity runs REGISTRATION_YEARS from today."""
    application = _lock_pending(actor, application)
    today = timezone.localdate()
    registration_number = (registration_number or "").strip()
    if application.kind == ApplicationKind.NEW:
        # two approvals at once would take the same next number: one waits for the other
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('hashar.registration'))")
        number = registration_number or _next_registration_number(today)
        if MigrantAssociation.objects.filter(registration_number=number).exists():
            raise Conflict(_("Another association has this registration number."),
                           field="registration_number")
        association = MigrantAssociation(registration_number=number, registered_on=today)
    else:
        association = MigrantAssociation.objects.select_for_update().get(
            pk=application.association_id)
        if registration_number and registration_number != association.registration_number:
            raise InvalidInput(_("A renewal keeps the association's registration number."),
                               field="registration_number")
    for field in ("name", "host_country", "host_city", "member_count"):
        setattr(association, field, getattr(application, field))
    association.email = application.email
    association.valid_until = valid_until(today)
    association.save()
    association.home_mahallas.set(application.home_mahallas.all())
    association.board.all().delete()
    BoardMember.objects.bulk_create([BoardMember(association=association, **member)
                                     for member in application.board])
    application.association = association
    record_decision(application, status=ApplicationStatus.APPROVED, actor=actor,
                    also=("association",))
    return association


@service
def application_refuse(*, actor, application: RegistrationApplication,
                       reason: str) -> RegistrationApplication:
    reason = required_reason(reason, _("Give the reason: the association is told it."))
    application = _lock_pending(actor, application)
    record_decision(application, status=ApplicationStatus.REFUSED, actor=actor, reason=reason)
    return application


def association_users(association: MigrantAssociation):
    return association.users.filter(role=Role.ASSOCIATION, is_active=True)
