"""Calls and applications against real PostgreSQL: a draft checked field by field, criteria
fixed at the opening, applications frozen (the service and the database refuse changes after
the close, and the frozen figures never change), computed criteria with their sources."""

import datetime
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from matching import models as m
from matching import services
from matching.errors import Conflict, Forbidden, InvalidInput, NotAllowed
from matching.services.scoring import criteria_to_score
from tests import factories as f

from .conftest import CRITERIA

TODAY = timezone.localdate


def _save(world, **changes):
    fields = {"code": "new-call", "scheme": world.scheme, "title": "Roads",
              "opens_on": TODAY(), "closes_on": TODAY() + datetime.timedelta(days=5),
              "quorum": 2}
    criteria = changes.pop("criteria", CRITERIA)
    envelopes = changes.pop("envelopes", [world.envelope_a])
    fields.update(changes)
    return services.call_save(actor=world.admin, fields=fields, envelopes=envelopes,
                              criteria=criteria)


def _criterion(**changes):
    return [{**CRITERIA[0], **changes}]


@pytest.mark.parametrize("_case, changes, field", [
    ("closes before it opens", {"closes_on": TODAY() - datetime.timedelta(days=1)}, "closes_on"),
    ("no criteria", {"criteria": []}, "criteria"),
    ("a criterion without a description", {"criteria": _criterion(description=" ")}, "criteria"),
    ("a weight of zero", {"criteria": _criterion(weight=Decimal("0"))}, "criteria"),
    ("a weight with three decimals", {"criteria": _criterion(weight=Decimal("1.005"))},
     "criteria"),
    ("a weight that is not a number", {"criteria": _criterion(weight="3")}, "criteria"),
    ("an unknown kind", {"criteria": _criterion(kind="luck")}, "criteria"),
    ("two criteria of one name", {"criteria": [CRITERIA[0], {**CRITERIA[3], "name": "need"}]},
     "criteria"),
    ("two equity criteria", {"criteria": [CRITERIA[1], {**CRITERIA[1], "name": "Equity 2"}]},
     "criteria"),
    ("no envelopes", {"envelopes": []}, "envelopes"),
    ("a quorum of zero", {"quorum": 0}, "quorum"),
    ("a code in use", {"code": "tash-2026-1"}, "code"),
])
def test_a_draft_call_is_checked_field_by_field(rounds, _case, changes, field):
    calls, criteria = m.Call.objects.count(), m.Criterion.objects.count()
    with pytest.raises(InvalidInput) as refused:
        _save(rounds.world, **changes)
    assert refused.value.field == field
    assert (m.Call.objects.count(), m.Criterion.objects.count()) == (calls, criteria)


def test_a_call_spends_only_its_own_schemes_envelopes(rounds, regions):
    other = f.SchemeFactory(code="other", country=rounds.world.country)
    f.add_party(other, "association", "1", position=0)
    f.add_party(other, "district", "1", position=1)
    envelope = services.envelope_open(actor=rounds.admin, funder=regions.margilon_funder,
                                      scheme=other, amount=Decimal("10.00"), reason="x")
    with pytest.raises(InvalidInput) as refused:
        _save(rounds.world, envelopes=[envelope])
    assert refused.value.field == "envelopes"


def test_a_regional_administrator_runs_only_his_regions_calls(world, regions):
    call = services.call_save(
        actor=regions.tash, fields={"code": "tash-only", "scheme": world.scheme, "title": "T",
                                    "region": regions.fergana, "opens_on": TODAY(),
                                    "closes_on": TODAY(), "quorum": 1},
        envelopes=[world.envelope_a], criteria=CRITERIA)
    assert call.region == world.region  # his own region, whatever he asked
    assert list(m.Call.objects.managed_by(regions.fer)) == []
    with pytest.raises(Forbidden):
        services.call_open(actor=regions.fer, call=call)
    with pytest.raises(InvalidInput):  # and he spends only his region's envelopes
        services.call_save(actor=regions.tash, call=call, fields={},
                           envelopes=[regions.margilon_envelope], criteria=CRITERIA)


def test_criteria_and_envelopes_are_fixed_once_the_call_opens(rounds):
    with pytest.raises(NotAllowed):
        services.call_save(actor=rounds.admin, call=rounds.call, fields={"title": "Other"},
                           envelopes=[rounds.world.envelope_a], criteria=CRITERIA)
    criterion = rounds.call.criteria.first()
    for write in (lambda: m.Criterion.objects.filter(pk=criterion.pk).update(weight=9),
                  lambda: m.Criterion.objects.create(call=rounds.call, name="Luck",
                                                     description="x", weight=1),
                  lambda: m.CallEnvelope.objects.filter(call=rounds.call).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            write()
    assert rounds.call.criteria.get(pk=criterion.pk).weight == criterion.weight


def test_an_application_freezes_what_it_applied_with(rounds):
    w = rounds.world
    project = w.submitted()
    w.receipt(project, "5000000.00")
    application = rounds.apply(project)
    assert application.cost == project.cost and application.received == Decimal("5000000.00")
    assert application.targets == {"association": "20000000.00", "district": "20000000.00"}
    assert application.needs == {str(w.envelope_a.pk): "20000000.00"}
    # the frozen figures never change, even while the call is open
    with pytest.raises(DatabaseError), transaction.atomic():
        m.Application.objects.filter(pk=application.pk).update(cost=Decimal("1.00"))


@pytest.mark.parametrize("_case, prepare, error, code", [
    ("a draft", lambda r: r.world.project(), NotAllowed, "not_submitted"),
    ("an approved project", lambda r: r.world.approved(), NotAllowed, "not_submitted"),
    ("twice", lambda r: r.apply(r.world.submitted()) and m.Project.objects.latest("id"),
     Conflict, "already_applied"),
])
def test_only_a_submitted_project_waiting_for_a_decision_applies(rounds, _case, prepare, error,
                                                                 code):
    project = prepare(rounds)
    before = m.Application.objects.count()
    with pytest.raises(error) as refused:
        rounds.apply(project)
    assert refused.value.code == code
    assert m.Application.objects.count() == before


def test_a_call_takes_applications_between_its_dates_only(rounds):
    project = rounds.world.submitted()
    with rounds.after_close(), pytest.raises(NotAllowed) as refused:
        rounds.apply(project)
    assert refused.value.code == "call_not_open"
    m.Call.objects.filter(pk=rounds.call.pk).update(opens_on=TODAY() + datetime.timedelta(1))
    rounds.call.refresh_from_db()
    with pytest.raises(NotAllowed):
        rounds.apply(project)


def test_a_project_applies_only_where_the_call_spends_its_envelopes(rounds):
    w = rounds.world
    call = _save(w, code="a-only", envelopes=[w.envelope_a])
    services.call_open(actor=w.admin, call=call)
    with pytest.raises(NotAllowed) as refused:
        rounds.apply(w.submitted(mahalla=w.mahalla_b), call=call)
    assert refused.value.code == "envelope_not_in_call"


def test_a_clerk_applies_only_with_her_own_mahallas_projects(rounds):
    project = rounds.world.submitted(mahalla=rounds.world.mahalla_b)
    with pytest.raises(Forbidden):
        services.application_submit(actor=rounds.world.alice, call=rounds.call, project=project)


def test_after_the_close_nothing_changes_in_an_application(rounds):
    application = rounds.apply(rounds.world.submitted())
    with rounds.after_close():
        rounds.close()
        with pytest.raises(NotAllowed):
            services.application_withdraw(actor=rounds.world.alice, application=application)
        # and the database refuses it to anyone who would skip the service
        for write in (
                lambda: m.Application.objects.filter(pk=application.pk)
                .update(withdrawn_at=timezone.now()),
                lambda: m.Application.objects.filter(pk=application.pk).delete(),
                lambda: m.Application.objects.create(**{
                    **{f.attname: getattr(application, f.attname)
                       for f in m.Application._meta.concrete_fields if f.attname != "id"},
                    "project": rounds.world.submitted()})):
            with pytest.raises(DatabaseError), transaction.atomic():
                write()
    application.refresh_from_db()
    assert application.withdrawn_at is None


def test_an_application_is_withdrawn_while_the_call_is_open_and_stays_on_record(rounds):
    application = rounds.apply(rounds.world.submitted())
    services.application_withdraw(actor=rounds.world.alice, application=application)
    application.refresh_from_db()
    assert application.withdrawn_at and application.withdrawn_by == rounds.world.alice
    with pytest.raises(Conflict):  # not twice into the same call
        rounds.apply(application.project)


def test_the_call_closes_only_after_its_closing_day(rounds):
    with pytest.raises(NotAllowed):
        services.call_close(actor=rounds.admin, call=rounds.call)
    with rounds.after_close():
        rounds.close()
    assert rounds.call.status == m.CallStatus.CLOSED


def test_computed_criteria_come_with_their_source_and_a_missing_population_is_said(rounds):
    w = rounds.world
    m.District.objects.filter(pk=w.district_b.pk).update(population=None)
    rich = w.approved()  # district A has matched money already
    w.receipt(rich, "20000000.00")
    a = rounds.apply(w.submitted(cost="40000000.00"))
    b = rounds.apply(w.submitted(cost="40000000.00", mahalla=w.mahalla_b))
    with rounds.after_close():
        rounds.close()
    equity = rounds.call.criteria.get(kind="equity")
    share = rounds.call.criteria.get(kind="share")
    value_a = m.CriterionValue.objects.get(application=a, criterion=equity)
    assert value_a.value == Decimal("200.000000")  # 20,000,000 matched / 100,000 people
    assert value_a.score == Decimal("10.00")  # the only district with a figure
    assert value_a.basis["population"] == 100_000 and value_a.basis["projects"] == 2
    value_b = m.CriterionValue.objects.get(application=b, criterion=equity)
    assert value_b.value is None and value_b.score is None
    assert value_b.basis == {"missing": "population", "place": "Bekobod"}
    # the members score equity where it could not be computed, never a guess
    assert equity in criteria_to_score(b) and equity not in criteria_to_score(a)
    assert share not in criteria_to_score(b)
    with pytest.raises(DatabaseError), transaction.atomic():
        m.CriterionValue.objects.filter(pk=value_a.pk).update(score=0)


def test_computed_scores_run_from_0_for_the_worst_to_10_for_the_best():
    from matching.services.scoring import scale

    figures = {1: Decimal("100"), 2: Decimal("150"), 3: Decimal("200"), 4: None}
    assert scale(figures, less_is_better=True) == {1: Decimal("10.00"), 2: Decimal("5.00"),
                                                   3: Decimal("0.00")}
    assert scale(figures, less_is_better=False)[3] == Decimal("10.00")
    assert scale({1: Decimal(3), 2: Decimal(3)}, less_is_better=False) == {
        1: Decimal("10.00"), 2: Decimal("10.00")}
    assert scale({1: None}, less_is_better=False) == {}


def test_a_project_in_a_call_is_decided_by_the_call_not_one_by_one(rounds):
    w = rounds.world
    application = rounds.apply(w.submitted())
    project = services.project_review_start(project=application.project, actor=w.bob)
    with pytest.raises(NotAllowed) as refused:
        services.project_approve(project=project, actor=w.bob, reason="first come")
    assert refused.value.code == "in_call"
    with pytest.raises(NotAllowed):
        services.project_decide(project=project, actor=w.bob, decision="rejected", reason="no")
    assert not m.Commitment.objects.filter(project=project).exists()
    # a withdrawn application gives the project back to the ordinary path
    services.application_withdraw(actor=w.alice, application=application)
    services.project_approve(project=project, actor=w.bob, reason="ok")
