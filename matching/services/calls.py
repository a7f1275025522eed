"""Calls for applications: set up in a draft, opened (criteria and weights published), applied
to by clerks with their submitted projects, closed (the computed criteria filled in).

Lock order: a call's services lock the call first, then projects (`projects.lock`), then
envelopes in id order, so that a call's decisions (call → projects → envelopes) and an
application (call → project) never wait on each other in a cycle.
"""

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import policies, rules
from ..errors import Conflict, Forbidden, InvalidInput, NotAllowed
from ..models import (Application, BudgetEnvelope, Call, CallEnvelope, CallStatus, Criterion,
                      CriterionKind, Project, ProjectStatus, Region, Scheme)
from .base import service
from .projects import eligibility_problems, lock
from .schemes import current_version, envelopes_for, rules_of

CALL_FIELDS = ("title", "description", "opens_on", "closes_on", "quorum")
MAX_WEIGHT = Decimal("1000")
# a project applies while it waits for a decision (a deferred one may try the next call)
APPLYING_STATES = frozenset({ProjectStatus.SUBMITTED, ProjectStatus.UNDER_REVIEW,
                             ProjectStatus.DEFERRED})


def lock_call(call: Call) -> Call:
    """Re-read the call under a row lock (first of a call's locks, see the module doc)."""
    return Call.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=call.pk)


def _check_dates(opens_on: datetime.date, closes_on: datetime.date) -> None:
    if closes_on < opens_on:
        raise InvalidInput(_("The call must close on or after the day it opens."),
                           field="closes_on")


def _check_criteria(criteria: list[dict]) -> list[dict]:
    """Criteria as the page sends them ({name, description, kind, weight}), checked."""
    if not criteria:
        raise InvalidInput(_("A call needs at least one criterion."), field="criteria")
    names, computed, checked = set(), set(), []
    for item in criteria:
        name = (item.get("name") or "").strip()
        description = (item.get("description") or "").strip()
        kind, weight = item.get("kind") or CriterionKind.SCORED, item.get("weight")
        if isinstance(weight, int) and not isinstance(weight, bool):
            weight = Decimal(weight)
        if not name or not description:
            raise InvalidInput(_("Each criterion needs a name and how it is measured."),
                               field="criteria")
        if name.casefold() in names:
            raise InvalidInput(_("Two criteria are named %(name)s.") % {"name": name},
                               field="criteria")
        if kind not in CriterionKind.values:
            raise InvalidInput(_("Unknown kind of criterion."), field="criteria")
        if kind != CriterionKind.SCORED and kind in computed:
            raise InvalidInput(_("Each computed criterion may appear once."), field="criteria")
        if not isinstance(weight, Decimal) or not (0 < weight <= MAX_WEIGHT) \
                or weight != weight.quantize(Decimal("0.01")):
            raise InvalidInput(_("Each weight is a number above 0 and at most 1000, with at "
                                 "most two decimals."), field="criteria")
        names.add(name.casefold())
        computed.add(kind)
        checked.append({"name": name, "description": description, "kind": kind,
                        "weight": weight})
    return checked


def _check_envelopes(actor, scheme: Scheme, envelopes) -> list[BudgetEnvelope]:
    envelopes = list(envelopes)
    if not envelopes:
        raise InvalidInput(_("Choose the envelopes the call spends."), field="envelopes")
    managed = set(BudgetEnvelope.objects.managed_by(actor).filter(scheme=scheme)
                  .values_list("pk", flat=True))
    if any(e.pk not in managed for e in envelopes):
        raise InvalidInput(_("A call spends envelopes of its own scheme, in your region."),
                           field="envelopes")
    return envelopes


@service
def call_save(*, actor, call: Call | None = None, fields: dict, envelopes, criteria: list[dict]
              ) -> Call:
    """Create a call as a draft, or change a draft: dates, quorum, the envelopes it spends and
    its criteria with their weights. `fields` holds code, scheme and region for a new call
    (they never change) and CALL_FIELDS."""
    policies.require_administrator(actor)
    if call is None:
        scheme, region = fields["scheme"], fields.get("region")
        if not Scheme.objects.managed_by(actor).filter(pk=scheme.pk).exists():
            raise Forbidden(_("This scheme is not in your country."))
        if not policies.programme_wide(actor):
            region = actor.region  # a regional administrator's calls are his region's
        if region is not None and region.country_id != scheme.country_id:
            raise InvalidInput(_("Choose a region of the scheme's country."), field="region")
        code = (fields.get("code") or "").strip()
        if Call.objects.filter(code=code).exists():
            raise InvalidInput(_("Another call has this code."), field="code")
        call = Call(code=code, scheme=scheme, region=region, created_by=actor)
    else:
        call = lock_call(call)
        policies.require_running(actor, call)
        if call.status != CallStatus.DRAFT:
            raise NotAllowed(_("Only a draft call can be changed: its criteria and weights "
                               "were published when it opened."))
    for name in CALL_FIELDS:
        if name in fields:
            setattr(call, name, fields[name])
    _check_dates(call.opens_on, call.closes_on)
    if not call.quorum or call.quorum < 1:
        raise InvalidInput(_("The quorum is at least one member."), field="quorum")
    criteria = _check_criteria(criteria)
    envelopes = _check_envelopes(actor, call.scheme, envelopes)
    call.save()
    call.call_envelopes.exclude(envelope__in=envelopes).delete()
    for envelope in envelopes:
        CallEnvelope.objects.get_or_create(call=call, envelope=envelope)
    call.criteria.all().delete()  # a draft's criteria are rewritten whole (audited)
    Criterion.objects.bulk_create([Criterion(call=call, position=n, **item)
                                   for n, item in enumerate(criteria)])
    return call


@service
def call_open(*, actor, call: Call) -> Call:
    """Publish the call: from now its criteria and weights are fixed, and clerks apply from
    its opening day to its closing day."""
    call = lock_call(call)
    policies.require_running(actor, call)
    if call.status != CallStatus.DRAFT:
        raise NotAllowed(_("This call is already open."))
    if call.closes_on < timezone.localdate():
        raise NotAllowed(_("The closing day has passed: change the dates first."),
                         field="closes_on")
    if not call.criteria.exists() or not call.call_envelopes.exists():
        raise NotAllowed(_("A call needs criteria and envelopes before it opens."))
    call.status, call.opened_at = CallStatus.OPEN, timezone.now()
    call.save(update_fields=["status", "opened_at", "updated_at"])
    return call


@service
def call_close(*, actor, call: Call) -> Call:
    """Close the call after its closing day: from now nothing changes in its applications;
    the computed criteria are filled in, and the committee scores."""
    from .scoring import fill_computed  # noqa: PLC0415 (scoring imports this module)

    call = lock_call(call)
    policies.require_running(actor, call)
    if call.status != CallStatus.OPEN:
        raise NotAllowed(_("Only an open call can be closed."))
    if timezone.localdate() <= call.closes_on:
        raise NotAllowed(_("Applications are accepted until %(day)s: the call closes after "
                           "that day.") % {"day": call.closes_on.isoformat()})
    fill_computed(call)
    call.status, call.closed_at = CallStatus.CLOSED, timezone.now()
    call.save(update_fields=["status", "closed_at", "updated_at"])
    return call


def _needs(project: Project, call: Call) -> tuple[object, dict, dict]:
    """The project's scheme version, its parties' targets and what each co-funder's target
    would draw from the call's envelopes; refused when it has a funding gap or draws on an
    envelope the call does not spend."""
    version = current_version(project.scheme)
    rules_ = rules_of(version)
    result = rules.compute_match(rules_, cost=project.cost, received=project.received,
                                 category=project.category)
    if result.gap > 0:
        raise NotAllowed(_("A funding gap of %(gap)s remains (a cap or the public-share "
                           "ceiling): lower the cost or have a party top it up first.")
                         % {"gap": rules.format_amount(result.gap, project.currency)},
                         code="funding_gap")
    roles = [p.role for p in rules_.co_funders]
    by_role = envelopes_for(project, roles)
    spent = set(call.call_envelopes.values_list("envelope_id", flat=True))
    missing = [role for role in roles if by_role[role].pk not in spent]
    if missing:
        raise NotAllowed(_("This call does not spend the envelope of the %(roles)s of this "
                           "project.") % {"roles": ", ".join(missing)}, code="envelope_not_in_call")
    targets = {role: str(amount) for role, amount in result.targets.items()}
    needs = {str(by_role[role].pk): str(result.targets[role]) for role in roles
             if result.targets[role] > 0}
    return version, targets, needs


def require_open_today(call: Call) -> None:
    today = timezone.localdate()
    if call.status != CallStatus.OPEN or not (call.opens_on <= today <= call.closes_on):
        raise NotAllowed(_("Call %(code)s takes applications from %(opens)s to %(closes)s.")
                         % {"code": call.code, "opens": call.opens_on.isoformat(),
                            "closes": call.closes_on.isoformat()}, code="call_not_open")


@service
def application_submit(*, actor, call: Call, project: Project) -> Application:
    """Apply with a submitted project: what it applies with (cost, money received, targets,
    the envelopes it draws on) is frozen with the application."""
    call = lock_call(call)
    project = lock(project)
    policies.require(actor, "apply", project)
    require_open_today(call)
    if project.scheme_id != call.scheme_id:
        raise NotAllowed(_("This call is for projects of scheme %(scheme)s.")
                         % {"scheme": call.scheme.code}, field="call")
    if call.region_id and project.mahalla.district.region_id != call.region_id:
        raise NotAllowed(_("This call takes applications from %(region)s only.")
                         % {"region": call.region.name}, field="call")
    if project.status not in APPLYING_STATES:
        raise NotAllowed(_("Only a submitted project waiting for a decision can apply."),
                         code="not_submitted")
    problems = eligibility_problems(project)
    if problems:
        raise NotAllowed(" ".join(problems), code="not_eligible")
    pending = Application.objects.active().filter(
        project=project, call__status__in=(CallStatus.OPEN, CallStatus.CLOSED))
    if pending.exists():
        raise Conflict(_("This project has already applied to a call that is not decided."),
                       code="already_applied")
    if Application.objects.filter(call=call, project=project).exists():
        raise Conflict(_("This project already applied to this call (an application withdrawn "
                         "cannot be made again)."), code="already_applied")
    version, targets, needs = _needs(project, call)
    district = project.mahalla.district
    try:
        with transaction.atomic():
            return Application.objects.create(
                call=call, project=project, title=project.title, category=project.category,
                cost=project.cost, currency=project.currency, received=project.received,
                mahalla=project.mahalla, district=district, association=project.association,
                scheme_version=version, targets=targets, needs=needs, applied_by=actor)
    except IntegrityError:  # the same project applied twice at once
        raise Conflict(_("This project already applied to this call."),
                       code="already_applied") from None


@service
def application_withdraw(*, actor, application: Application) -> Application:
    """Withdraw an application while the call is open (it stays on record)."""
    call = lock_call(application.call)
    project = lock(application.project)
    policies.require(actor, "apply", project)
    require_open_today(call)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.withdrawn_at is not None:
        raise NotAllowed(_("This application was already withdrawn."))
    application.withdrawn_at, application.withdrawn_by = timezone.now(), actor
    application.save(update_fields=["withdrawn_at", "withdrawn_by"])
    return application


def regions_for(actor, scheme: Scheme | None = None):
    """The regions an administrator may open a regional call for."""
    regions = Region.objects.managed_by(actor)
    return regions.filter(country_id=scheme.country_id) if scheme else regions
