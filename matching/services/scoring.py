"""The committee's independent scoring: members of a call, their declared interests, their
score sheets, and the criteria the system computes at the close."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import (SCORE_MAX, Application, CallStatus, CommitteeMember, Criterion,
                      CriterionKind, CriterionValue, Interest, Project, Role, Score,
                      ScoreSheet)
from .base import required_reason, service
from .calls import lock_call

CENT = Decimal("0.01")
MILLION = Decimal(1_000_000)
SIX = Decimal("0.000001")


# --- members and interests ------------------------------------------------------------------

@service
def member_add(*, actor, call, user) -> CommitteeMember:
    call = lock_call(call)
    policies.require_running(actor, call)
    if call.status == CallStatus.DECIDED:
        raise NotAllowed(_("This call is decided."))
    if user.role != Role.COMMITTEE or not user.is_active:
        raise InvalidInput(_("Choose a person with the role of selection committee member."),
                           field="user")
    if call.members.filter(user=user).exists():
        raise Conflict(_("%(name)s already sits on this call.") % {"name": user}, field="user")
    number = (call.members.aggregate(n=Max("number"))["n"] or 0) + 1
    return CommitteeMember.objects.create(call=call, user=user, number=number, added_by=actor)


@service
def member_remove(*, actor, member: CommitteeMember) -> None:
    """Remove a member who has not scored, attended or voted yet (after that, his part is
    on record and stays)."""
    call = lock_call(member.call)
    policies.require_running(actor, call)
    if (member.sheets.exists() or member.votes.exists() or member.interests.exists()
            or call.sessions.filter(attendance__member=member).exists()):
        raise NotAllowed(_("This member has already scored, declared an interest, attended or "
                           "voted: his part stays on record."))
    member.delete()


@service
def interest_declare(*, actor, call, note: str, mahalla=None, association=None) -> Interest:
    """A member declares an interest in a mahalla or an association. He will neither score
    nor vote on their applications; a sheet he already submitted for one is void from now
    (kept, with the reason)."""
    call = lock_call(call)
    member = policies.seat_of(actor, call)
    if member is None:
        raise Forbidden(_("Only the members of this call's committee declare interests in it."))
    if call.status == CallStatus.DECIDED:
        raise NotAllowed(_("This call is decided."))
    if (mahalla is None) == (association is None):
        raise InvalidInput(_("Name either a mahalla or an association."), field="mahalla")
    note = required_reason(note, _("Say what the interest is (kin, work, membership...)."))
    interest = Interest.objects.create(member=member, mahalla=mahalla, association=association,
                                       note=note[:300])
    concerned = Q(application__mahalla=mahalla) if mahalla else Q(
        application__association=association)
    ScoreSheet.objects.filter(concerned, member=member, voided_at__isnull=True).update(
        voided_at=timezone.now(),
        void_reason=_("Interest declared after scoring: %(note)s") % {"note": interest.note})
    return interest


# --- scores -----------------------------------------------------------------------------------

def criteria_to_score(application: Application, criteria=None) -> list[Criterion]:
    """What the members score on this application: the criteria scored by people, and the
    computed ones that could not be computed for it (no population)."""
    criteria = list(criteria if criteria is not None else application.call.criteria.all())
    computed = set(CriterionValue.objects.filter(application=application, score__isnull=False)
                   .values_list("criterion_id", flat=True))
    return [c for c in criteria if not c.computed or c.pk not in computed]


def why_not_score(user, application: Application, member=None) -> str | None:
    """Why `user` may not score this application now, in plain words; None when he may."""
    member = member or policies.seat_of(user, application.call)
    if member is None:
        return _("Only the members of this call's committee score its applications.")
    if application.call.status != CallStatus.CLOSED:
        return _("Applications are scored after the call closes and until it is decided.")
    if not application.active:
        return _("This application was withdrawn.")
    if policies.interested(member, application):
        return _("You declared an interest in this application's mahalla or association.")
    if member.sheets.filter(application=application).exists():
        return _("You have submitted your scores of this application.")
    return None


@service
def score_submit(*, actor, application: Application, values: dict[int, int],
                 comment: str = "") -> ScoreSheet:
    """A member's scores of one application, one per criterion he scores, from 0 to 10; final
    once submitted (he then sees the others' scores of it)."""
    call = lock_call(application.call)
    application = Application.objects.select_related("call").get(pk=application.pk)
    member = policies.seat_of(actor, call)
    problem = why_not_score(actor, application, member)
    if problem:
        raise (Forbidden if member is None else NotAllowed)(problem)
    wanted = criteria_to_score(application)
    for criterion in wanted:
        value = values.get(criterion.pk)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= SCORE_MAX:
            raise InvalidInput(_("Score %(name)s from 0 to 10.") % {"name": criterion.name},
                               field=f"criterion_{criterion.pk}")
    extra = set(values) - {c.pk for c in wanted}
    if extra:
        raise InvalidInput(_("Score only the criteria shown (the others are computed)."),
                           field="scores")
    try:
        with transaction.atomic():
            sheet = ScoreSheet.objects.create(application=application, member=member,
                                              comment=(comment or "").strip())
    except IntegrityError:  # the same member submitting twice at once
        raise Conflict(_("You have submitted your scores of this application.")) from None
    Score.objects.bulk_create([Score(sheet=sheet, criterion=c, value=values[c.pk])
                               for c in wanted])
    return sheet


# --- computed criteria --------------------------------------------------------------------------

def _population(place) -> dict:
    return {"population": place.population, "year": place.population_year,
            "source": place.population_source}


def _figures(applications, kind: str, on) -> dict[int, tuple[Decimal | None, dict]]:
    """Each application's raw figure for a computed criterion, with where it comes from."""
    figures = {}
    if kind == CriterionKind.EQUITY:
        districts = {a.district_id for a in applications}
        matched = {row["mahalla__district_id"]: row for row in
                   Project.objects.filter(mahalla__district_id__in=districts)
                   .values("mahalla__district_id")
                   .annotate(total=Sum("matched"), n=Count("id"))}
        for a in applications:
            row = matched.get(a.district_id, {"total": Decimal(0), "n": 0})
            if not a.district.population:
                figures[a.pk] = (None, {"missing": "population", "place": a.district.name})
                continue
            figures[a.pk] = ((row["total"] / a.district.population).quantize(SIX), {
                "place": a.district.name, "matched": str(row["total"]), "projects": row["n"],
                "currency": a.currency, "on": on.isoformat(), **_population(a.district)})
    elif kind == CriterionKind.SHARE:
        for a in applications:
            figures[a.pk] = ((a.received / a.cost).quantize(SIX), {
                "received": str(a.received), "cost": str(a.cost), "currency": a.currency})
    else:  # people served per million of cost
        for a in applications:
            if not a.mahalla.population:
                figures[a.pk] = (None, {"missing": "population", "place": a.mahalla.name})
                continue
            figures[a.pk] = ((a.mahalla.population * MILLION / a.cost).quantize(SIX), {
                "place": a.mahalla.name, "cost": str(a.cost), "currency": a.currency,
                **_population(a.mahalla)})
    return figures


def scale(figures: dict[int, Decimal | None], *, less_is_better: bool) -> dict[int, Decimal]:
    """Scores from 0 to 10 by where each figure stands between the call's lowest and highest:
    10 for the best, 0 for the worst, in proportion between; 10 for all when they are equal.
    Figures that could not be computed get no score."""
    known = {k: v for k, v in figures.items() if v is not None}
    if not known:
        return {}
    low, high = min(known.values()), max(known.values())
    if low == high:
        return {k: Decimal(SCORE_MAX).quantize(CENT) for k in known}
    span = high - low
    return {k: (SCORE_MAX * ((high - v) if less_is_better else (v - low)) / span)
            .quantize(CENT, rounding=ROUND_HALF_UP) for k, v in known.items()}


def fill_computed(call) -> int:
    """Fill in the computed criteria of the call's active applications, once, at the close
    (the caller holds the call's lock). Returns how many values were written."""
    applications = list(call.applications.active().select_related("district", "mahalla"))
    on, rows = timezone.localdate(), []
    for criterion in call.criteria.filter(kind__in=[k for k in CriterionKind.values
                                                    if k != CriterionKind.SCORED]):
        figures = _figures(applications, criterion.kind, on)
        scores = scale({k: v for k, (v, _b) in figures.items()},
                       less_is_better=criterion.kind == CriterionKind.EQUITY)
        rows += [CriterionValue(application_id=k, criterion=criterion, value=v,
                                score=scores.get(k), basis=basis)
                 for k, (v, basis) in figures.items()]
    CriterionValue.objects.bulk_create(rows)
    return len(rows)
