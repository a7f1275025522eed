"""Independent scoring: declared interests enforced (no score, no vote; a late one voids the
sheet), scores final once submitted, bad scores refused on their field, and the others'
scores hidden from a member until he has submitted his own."""

import pytest
from django.db import DatabaseError, transaction

from matching import models as m
from matching import services
from matching.errors import Forbidden, InvalidInput, NotAllowed
from matching.services.scoring import criteria_to_score, why_not_score
from matching.standings import standings


@pytest.fixture
def closed(rounds):
    """Two applications (mahallas A and B), the call closed (a time machine one day after
    its closing day, for the test's duration)."""
    w = rounds.world
    rounds.a = rounds.apply(w.submitted())
    rounds.b = rounds.apply(w.submitted(mahalla=w.mahalla_b))
    with rounds.after_close():
        rounds.close()
        rounds.a.refresh_from_db()
        rounds.b.refresh_from_db()
        yield rounds


def _values(application, value=7):
    return {c.pk: value for c in criteria_to_score(application)}


def test_a_member_with_an_interest_neither_scores_nor_votes(closed):
    services.interest_declare(actor=closed.kamola, call=closed.call,
                              mahalla=closed.world.mahalla_a, note="I live there")
    assert "interest" in why_not_score(closed.kamola, closed.a)
    with pytest.raises(NotAllowed):
        services.score_submit(actor=closed.kamola, application=closed.a,
                              values=_values(closed.a))
    services.score_submit(actor=closed.kamola, application=closed.b, values=_values(closed.b))
    session = closed.held_session()
    seat = closed.seats[closed.kamola.pk]
    with pytest.raises(NotAllowed):
        services.votes_record(actor=closed.admin, session=session, application=closed.a,
                              votes={seat: "for"})
    assert not m.Vote.objects.exists()


def test_an_interest_in_an_association_covers_its_applications(closed):
    services.interest_declare(actor=closed.rustam, call=closed.call,
                              association=closed.world.association, note="My cousin chairs it")
    assert why_not_score(closed.rustam, closed.a) and why_not_score(closed.rustam, closed.b)


def test_an_interest_declared_after_scoring_voids_the_sheet_and_keeps_it(closed):
    sheet = services.score_submit(actor=closed.kamola, application=closed.a,
                                  values=_values(closed.a, 10))
    services.interest_declare(actor=closed.kamola, call=closed.call,
                              mahalla=closed.world.mahalla_a, note="My brother's street")
    sheet.refresh_from_db()
    assert sheet.voided_at and "My brother's street" in sheet.void_reason
    assert sheet.scores.count() == len(criteria_to_score(closed.a))  # kept, not deleted
    row = next(s for s in standings(closed.call) if s.application == closed.a)
    assert row.sheets == 0 and not row.complete


@pytest.mark.parametrize("_case, declare, field", [
    ("neither a mahalla nor an association", {}, "mahalla"),
    ("no note", {"mahalla": "a", "note": " "}, "reason"),
])
def test_an_interest_names_one_thing_and_says_what_it_is(closed, _case, declare, field):
    declare = {"note": "x", **declare}
    if declare.get("mahalla") == "a":
        declare["mahalla"] = closed.world.mahalla_a
    with pytest.raises(InvalidInput) as refused:
        services.interest_declare(actor=closed.kamola, call=closed.call, **declare)
    assert refused.value.field == field
    assert not m.Interest.objects.exists()


def test_only_the_calls_members_declare_interests_and_score(closed, regions):
    with pytest.raises(Forbidden):
        services.interest_declare(actor=regions.committee, call=closed.call,
                                  mahalla=closed.world.mahalla_a, note="x")
    with pytest.raises(Forbidden):
        services.score_submit(actor=regions.committee, application=closed.a,
                              values=_values(closed.a))
    with pytest.raises(Forbidden):
        services.score_submit(actor=closed.admin, application=closed.a,
                              values=_values(closed.a))


def test_scores_are_final_once_submitted(closed):
    sheet = services.score_submit(actor=closed.kamola, application=closed.a,
                                  values=_values(closed.a, 4))
    with pytest.raises(NotAllowed):
        services.score_submit(actor=closed.kamola, application=closed.a,
                              values=_values(closed.a, 9))
    score = sheet.scores.first()
    for write in (lambda: m.Score.objects.filter(pk=score.pk).update(value=9),
                  lambda: m.Score.objects.filter(pk=score.pk).delete(),
                  lambda: m.ScoreSheet.objects.filter(pk=sheet.pk).update(comment="better"),
                  lambda: m.ScoreSheet.objects.filter(pk=sheet.pk).delete()):
        with pytest.raises(DatabaseError), transaction.atomic():
            write()
    assert set(sheet.scores.values_list("value", flat=True)) == {4}


@pytest.mark.parametrize("_case, change", [
    ("above 10", lambda v, c: {**v, c: 11}),
    ("below 0", lambda v, c: {**v, c: -1}),
    ("missing", lambda v, c: {k: s for k, s in v.items() if k != c}),
    ("not a number", lambda v, c: {**v, c: "7"}),
    ("a yes", lambda v, c: {**v, c: True}),
])
def test_a_bad_score_is_refused_on_its_criterion(closed, _case, change):
    criterion = criteria_to_score(closed.a)[0]
    with pytest.raises(InvalidInput) as refused:
        services.score_submit(actor=closed.kamola, application=closed.a,
                              values=change(_values(closed.a), criterion.pk))
    assert refused.value.field == f"criterion_{criterion.pk}"
    assert not m.ScoreSheet.objects.exists()


def test_a_computed_criterion_is_not_scored_by_the_members(closed):
    equity = closed.call.criteria.get(kind="equity")
    with pytest.raises(InvalidInput) as refused:
        services.score_submit(actor=closed.kamola, application=closed.a,
                              values={**_values(closed.a), equity.pk: 5})
    assert refused.value.field == "scores"


def test_scores_are_taken_after_the_close_only(rounds):
    application = rounds.apply(rounds.world.submitted())
    with pytest.raises(NotAllowed):
        services.score_submit(actor=rounds.kamola, application=application,
                              values=_values(application))


def test_a_member_sees_the_others_scores_only_after_submitting_his_own(closed, regions):
    services.score_submit(actor=closed.kamola, application=closed.a, values=_values(closed.a))
    visible = m.ScoreSheet.objects.visible_to
    assert visible(closed.kamola).filter(application=closed.a).count() == 1  # his own
    assert not visible(closed.rustam).filter(application=closed.a).exists()
    services.score_submit(actor=closed.rustam, application=closed.a, values=_values(closed.a))
    assert visible(closed.rustam).filter(application=closed.a).count() == 2
    assert visible(closed.kamola).filter(application=closed.a).count() == 2
    # scoring one application shows nothing of another
    assert not visible(closed.rustam).filter(application=closed.b).exists()
    assert not visible(closed.dilnoza).filter(application=closed.a).exists()
    # nor to anyone outside: a clerk, an officer, an association, another call's member,
    # the administrators of a region (the call is national)
    w = closed.world
    for user in (w.alice, w.bob, w.migrant, regions.committee, regions.tash, regions.fer):
        assert not visible(user).exists(), user
    # the administrators who run it and auditors read everything
    assert visible(w.admin).count() == visible(w.auditor).count() == 2
    assert visible(regions.programme).count() == 2
