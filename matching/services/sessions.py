"""The committee's sessions: scheduled, held (attendance, votes), and their minutes
published. Votes are taken only with a quorum present; a member with a declared interest in an
application does not vote on it. Published minutes never change (the database refuses it)."""

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import InvalidInput, NotAllowed
from ..models import (Application, Attendance, CallStatus, CommitteeSession, SessionStatus,
                      Vote, VoteChoice)
from .base import service
from .calls import lock_call


def _locked(actor, session: CommitteeSession) -> CommitteeSession:
    """The session under its call's lock and its own, run by `actor`."""
    call = lock_call(session.call)
    policies.require_running(actor, call)
    return CommitteeSession.objects.select_for_update().select_related("call").get(pk=session.pk)


@service
def session_schedule(*, actor, call, held_on, place: str) -> CommitteeSession:
    """Schedule a session of the committee, once the call has closed."""
    call = lock_call(call)
    policies.require_running(actor, call)
    if call.status != CallStatus.CLOSED:
        raise NotAllowed(_("The committee meets after the call closes and until it is "
                           "decided."))
    place = (place or "").strip()
    if not place:
        raise InvalidInput(_("Say where the session is held."), field="place")
    number = (call.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    return CommitteeSession.objects.create(call=call, number=number, held_on=held_on,
                                           place=place[:200], quorum=call.quorum,
                                           created_by=actor)


@service
def session_attendance(*, actor, session: CommitteeSession, present, notes: str | None = None
                       ) -> CommitteeSession:
    """Record who attended (the session is then held) and, if given, the notes for its
    minutes. The quorum is the call's at this moment."""
    session = _locked(actor, session)
    if session.status == SessionStatus.PUBLISHED:
        raise NotAllowed(_("The minutes of this session are published: it is final."))
    members = list(present)
    if any(m.call_id != session.call_id for m in members):
        raise InvalidInput(_("Only members of this call's committee attend."), field="present")
    if session.votes.exclude(member__in=members).exists():
        raise NotAllowed(_("A member who voted in this session cannot be marked absent."),
                         field="present")
    session.attendance.exclude(member__in=members).delete()
    for member in members:
        Attendance.objects.get_or_create(session=session, member=member)
    session.status, session.quorum = SessionStatus.HELD, session.call.quorum
    if notes is not None:
        session.notes = notes.strip()
    session.save(update_fields=["status", "quorum", "notes"])
    return session


def quorate(session: CommitteeSession) -> bool:
    return session.attendance.count() >= session.quorum


@service
def votes_record(*, actor, session: CommitteeSession, application: Application,
                 votes: dict) -> list[Vote]:
    """Record the present members' votes on one application ({member: choice}); a vote
    recorded again replaces the earlier one until the minutes are published."""
    session = _locked(actor, session)
    if session.status != SessionStatus.HELD:
        raise NotAllowed(_("Votes are recorded in a held session, until its minutes are "
                           "published."))
    if session.call.status != CallStatus.CLOSED:
        raise NotAllowed(_("The call is decided: the votes are closed."))
    if not quorate(session):
        raise NotAllowed(_("The session has no quorum: %(present)s present, %(quorum)s "
                           "needed.") % {"present": session.attendance.count(),
                                         "quorum": session.quorum}, code="no_quorum")
    if application.call_id != session.call_id or not application.active:
        raise InvalidInput(_("Choose an active application of this call."), field="application")
    present = {a.member_id: a.member for a in session.attendance.select_related("member")}
    if not votes:
        raise InvalidInput(_("Record at least one vote."), field="votes")
    for member, choice in votes.items():
        if member.pk not in present:
            raise InvalidInput(_("%(member)s is not present.") % {"member": member.label},
                               field="votes")
        if choice not in VoteChoice.values:
            raise InvalidInput(_("Unknown vote."), field="votes")
        if policies.interested(member, application):
            raise NotAllowed(_("%(member)s declared an interest in this application and does "
                               "not vote on it.") % {"member": member.label}, field="votes")
    Vote.objects.filter(session=session, application=application).delete()
    return Vote.objects.bulk_create([Vote(session=session, application=application,
                                          member=member, choice=choice)
                                     for member, choice in votes.items()])


@service
def session_publish(*, actor, session: CommitteeSession) -> CommitteeSession:
    """Publish the minutes of a held session: from now they are public and final."""
    session = _locked(actor, session)
    if session.status != SessionStatus.HELD:
        raise NotAllowed(_("Record the attendance of the session before publishing its "
                           "minutes."))
    session.status, session.published_at, session.published_by = (
        SessionStatus.PUBLISHED, timezone.now(), actor)
    session.save(update_fields=["status", "published_at", "published_by"])
    return session
