"""Sessions, the allocation and the decisions: quorum rules, votes that bind, departures with
reasons, decisions recorded in one action through the ordinary approval path (reservations
under its locks, never over an envelope, not even against a concurrent officer), the
repeat-winner bar, the applicants notified, and manage.py allocate_call."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from matching import ledger
from matching import models as m
from matching import outbox, services
from matching.errors import Conflict, InvalidInput, NotAllowed
from tests import factories as f

from ..concurrency import race


def _closed_with(rounds, *specs):
    """Applications of `specs` ((cost, mahalla) pairs), the call closed, everyone scored."""
    w = rounds.world
    apps = [rounds.apply(w.submitted(cost=cost, mahalla=mahalla, title=f"Pipe {n}"))
            for n, (cost, mahalla) in enumerate(specs)]
    return apps


def test_a_session_without_a_quorum_neither_votes_nor_decides(rounds):
    a, = _closed_with(rounds, ("40000000.00", rounds.world.mahalla_a))
    with rounds.after_close():
        rounds.close()
        rounds.score_all()
        services.allocation_propose(actor=rounds.admin, call=rounds.call, time_limit=5)
        session = rounds.held_session(present=[rounds.kamola])  # quorum 2
        with pytest.raises(NotAllowed) as refused:
            services.votes_record(actor=rounds.admin, session=session, application=a,
                                  votes={rounds.seats[rounds.kamola.pk]: "for"})
        assert refused.value.code == "no_quorum"
        with pytest.raises(NotAllowed) as refused:
            services.call_decide(actor=rounds.admin, call=rounds.call, session=session,
                                 decisions={})
        assert refused.value.code == "no_quorum"
        # its minutes are still published, saying so
        services.session_publish(actor=rounds.admin, session=session)
    assert not m.CallDecision.objects.exists() and not m.Vote.objects.exists()
    a.project.refresh_from_db()
    assert a.project.status == m.ProjectStatus.SUBMITTED


def test_only_present_members_vote_and_published_minutes_are_final(rounds):
    a, = _closed_with(rounds, ("40000000.00", rounds.world.mahalla_a))
    with rounds.after_close():
        rounds.close()
        session = rounds.held_session(present=[rounds.kamola, rounds.rustam])
        absent = rounds.seats[rounds.dilnoza.pk]
        with pytest.raises(InvalidInput):
            services.votes_record(actor=rounds.admin, session=session, application=a,
                                  votes={absent: "for"})
        present = rounds.seats[rounds.kamola.pk]
        services.votes_record(actor=rounds.admin, session=session, application=a,
                              votes={present: "against"})
        services.votes_record(actor=rounds.admin, session=session, application=a,
                              votes={present: "for"})  # replaces the first
        assert list(m.Vote.objects.values_list("choice", flat=True)) == ["for"]
        services.session_publish(actor=rounds.admin, session=session)
        with pytest.raises(NotAllowed):
            services.votes_record(actor=rounds.admin, session=session, application=a,
                                  votes={present: "against"})
        with pytest.raises(NotAllowed):
            services.session_attendance(actor=rounds.admin, session=session, present=[])
        for write in (lambda: m.Vote.objects.update(choice="against"),
                      lambda: m.Attendance.objects.filter(session=session).delete(),
                      lambda: m.CommitteeSession.objects.filter(pk=session.pk)
                      .update(notes="rewritten")):
            with pytest.raises(DatabaseError), transaction.atomic():
                write()


@pytest.fixture
def decided_setup(rounds):
    """Three applications on envelope A (room for two district targets of 20,000,000) and
    one on B; scores make the greedy ranking and the proposal differ."""
    w = rounds.world
    m.BudgetEnvelope.objects.filter(pk=w.envelope_a.pk).update(amount=Decimal("45000000.00"))
    big, small1, small2 = _closed_with(rounds, ("60000000.00", w.mahalla_a),
                                       ("40000000.00", w.mahalla_a),
                                       ("40000000.00", w.mahalla_a))
    other, = _closed_with(rounds, ("40000000.00", w.mahalla_b))
    need = {big.pk: 10, small1.pk: 8, small2.pk: 8, other.pk: 5}
    rounds.apps = (big, small1, small2, other)
    with rounds.after_close():
        rounds.close()
        rounds.score_all(values=lambda app, c: need[app.pk] if c.name == "Need" else 5)
        rounds.run = services.allocation_propose(actor=rounds.admin, call=rounds.call,
                                                 time_limit=10)
        rounds.session = rounds.held_session()
        yield rounds


def test_the_proposal_beats_the_ranking_within_the_envelopes(decided_setup):
    r = decided_setup
    big, small1, small2, other = r.apps
    # big (30,000,000 from A) ranks first; then neither small fits the 15,000,000 left
    assert set(r.run.greedy_chosen) == {big.pk, other.pk}
    assert set(r.run.chosen) == {small1.pk, small2.pk, other.pk}
    assert r.run.score > r.run.greedy_score and r.run.optimal
    assert r.run.equity["counted"] == 2 and "gini" in r.run.equity["proposal"]


def test_decisions_go_through_the_approval_path_and_notify_every_applicant(decided_setup):
    r = decided_setup
    w = r.world
    big, small1, small2, other = r.apps
    with r.after_close():
        services.call_decide(actor=r.admin, call=r.call, session=r.session, decisions={})
    r.call.refresh_from_db()
    assert r.call.status == m.CallStatus.DECIDED
    statuses = dict(m.Project.objects.filter(pk__in=[a.project_id for a in r.apps])
                    .values_list("pk", "status"))
    assert statuses[big.project_id] == m.ProjectStatus.DEFERRED
    assert {statuses[a.project_id] for a in (small1, small2, other)} == {m.ProjectStatus.FUNDING}
    w.envelope_a.refresh_from_db()
    assert w.envelope_a.reserved == Decimal("40000000.00") <= w.envelope_a.amount
    assert m.StatusChange.objects.get(project=big.project, to_status="deferred").reason \
        .startswith("Not selected, as proposed")
    assert ledger.verify() == []
    # each applicant hears the committee's decision on his application
    for message in m.OutboxMessage.objects.filter(topic="call.decided"):
        outbox.process(message.pk)
    told = m.Reminder.objects.filter(kind=m.ReminderKind.CALL_DECIDED)
    assert set(told.values_list("project_id", flat=True)) == {a.project_id for a in r.apps}
    assert set(told.values_list("recipient__username", flat=True)) == {"alice", "charlie",
                                                                       "migrant"}


def test_a_departure_from_the_proposal_needs_its_reason(decided_setup):
    r = decided_setup
    big, small1, _small2, _other = r.apps
    with r.after_close():
        with pytest.raises(InvalidInput) as refused:
            services.call_decide(actor=r.admin, call=r.call, session=r.session,
                                 decisions={big.pk: {"outcome": "selected"},
                                            small1.pk: {"outcome": "deferred"}})
        assert refused.value.field == f"reason_{big.pk}"
        assert not m.CallDecision.objects.exists()
        services.call_decide(actor=r.admin, call=r.call, session=r.session, decisions={
            big.pk: {"outcome": "selected", "reason": "The school has no water at all."},
            small1.pk: {"outcome": "deferred", "reason": "Same street as the school."},
            _small2.pk: {"outcome": "deferred", "reason": "Envelope spent on the school."}})
    decision = m.CallDecision.objects.get(application=big)
    assert decision.departs and decision.reason == "The school has no water at all."
    assert m.StatusChange.objects.get(project=big.project, to_status="approved").reason == \
        "The school has no water at all."


def test_the_committee_vote_binds_the_decision(decided_setup):
    r = decided_setup
    _big, small1, _small2, _other = r.apps
    with r.after_close():
        services.votes_record(actor=r.admin, session=r.session, application=small1,
                              votes={seat: "against" for seat in r.seats.values()})
        with pytest.raises(NotAllowed):
            services.call_decide(actor=r.admin, call=r.call, session=r.session, decisions={})
        assert not m.CallDecision.objects.exists()


def test_if_one_decision_cannot_be_recorded_none_is(decided_setup):
    r = decided_setup
    big, *_rest = r.apps
    with r.after_close():
        with pytest.raises(InvalidInput):  # the unknown outcome of the last one
            services.call_decide(actor=r.admin, call=r.call, session=r.session,
                                 decisions={r.apps[-1].pk: {"outcome": "maybe"}})
        # an envelope cut after the proposal: the proposal is stale, nothing is written
        services.envelope_adjust(actor=r.admin, envelope=r.world.envelope_a,
                                 change=Decimal("-1000000.00"), reason="Budget cut")
        with pytest.raises(Conflict) as refused:
            services.call_decide(actor=r.admin, call=r.call, session=r.session, decisions={})
    assert refused.value.code == "stale_proposal"
    assert not m.CallDecision.objects.exists() and not m.Commitment.objects.filter(
        project__in=[a.project_id for a in r.apps]).exists()


@pytest.mark.django_db(transaction=True)
def test_an_envelope_is_never_over_committed_when_an_officer_approves_at_the_same_time(rounds):
    # given envelope A with 50,000,000: the proposal spends 40,000,000 of it on two
    # applications, and an officer is about to approve a project outside the call (20,000,000)
    w = rounds.world
    m.BudgetEnvelope.objects.filter(pk=w.envelope_a.pk).update(amount=Decimal("50000000.00"))
    outside = services.project_review_start(project=w.submitted(title="Outside"), actor=w.bob)
    apps = _closed_with(rounds, ("40000000.00", w.mahalla_a), ("40000000.00", w.mahalla_a))
    with rounds.after_close():
        rounds.close()
        rounds.score_all()
        run = services.allocation_propose(actor=rounds.admin, call=rounds.call, time_limit=5)
        assert set(run.chosen) == {a.pk for a in apps}
        session = rounds.held_session()
        # when the call's decisions and the officer's approval race
        decided, approved = race([
            lambda: services.call_decide(actor=rounds.admin, call=rounds.call,
                                         session=session, decisions={}),
            lambda: services.project_approve(project=outside, actor=w.bob, reason="ok")])
    # then exactly one of them gets the money, and never more than the envelope holds
    failed = [r for r in (decided, approved) if isinstance(r, Exception)]
    assert len(failed) == 1 and isinstance(failed[0], Conflict), (decided, approved)
    w.envelope_a.refresh_from_db()
    assert w.envelope_a.reserved == (Decimal("20000000.00") if failed[0] is decided
                                     else Decimal("40000000.00"))
    assert w.envelope_a.reserved <= w.envelope_a.amount
    if failed[0] is decided:  # the whole call's action rolled back
        assert not m.CallDecision.objects.exists()
        assert m.Call.objects.get(pk=rounds.call.pk).status == m.CallStatus.CLOSED
    assert ledger.verify() == []


def test_the_repeat_winner_bar_holds_in_the_proposal(rounds):
    w = rounds.world
    m.Scheme.objects.filter(pk=w.scheme.pk).update(win_cooldown_seasons=2)
    services.scheme_publish(scheme=m.Scheme.objects.get(pk=w.scheme.pk), actor=w.admin)
    # a mahalla that won last season is left out; one mahalla wins once
    last_year = f.SchemeFactory(code="uz-1x1-prev", country=w.country,
                                fiscal_year=w.scheme.fiscal_year - 1)
    m.Project.objects.create(code="OLD-1", title="Old", mahalla=w.mahalla_b,
                             association=w.association, scheme=last_year, category="road",
                             cost=Decimal("1.00"), currency="UZS", status="completed",
                             created_by=w.alice)
    a1, a2 = _closed_with(rounds, ("40000000.00", w.mahalla_a), ("30000000.00", w.mahalla_a))
    with rounds.after_close():
        rounds.close()
        rounds.score_all()
        run = services.allocation_propose(actor=rounds.admin, call=rounds.call, time_limit=5)
    assert run.one_per_group and len(set(run.chosen) & {a1.pk, a2.pk}) == 1


def test_a_project_that_won_last_season_cannot_apply_under_the_bar(rounds):
    w = rounds.world
    m.Scheme.objects.filter(pk=w.scheme.pk).update(win_cooldown_seasons=2)
    last_year = f.SchemeFactory(code="uz-1x1-prev", country=w.country,
                                fiscal_year=w.scheme.fiscal_year - 1)
    project = w.submitted(mahalla=w.mahalla_b)
    m.Project.objects.create(code="OLD-1", title="Old", mahalla=w.mahalla_b,
                             association=w.association, scheme=last_year, category="road",
                             cost=Decimal("1.00"), currency="UZS", status="completed",
                             created_by=w.alice)
    with pytest.raises(NotAllowed) as refused:
        rounds.apply(project)
    assert refused.value.code == "not_eligible"


def test_allocate_call_shows_a_dry_run_and_keeps_a_proposal(decided_setup, capsys):
    r = decided_setup
    before = m.AllocationRun.objects.count()
    with r.after_close():
        call_command("allocate_call", r.call.code, "--dry-run", "--time-limit", "5")
        shown = capsys.readouterr().out
        assert m.AllocationRun.objects.count() == before
        assert "proven optimal" in shown and "dry run: nothing kept" in shown
        assert "greedy ranking: score" in shown and "equity proposal" in shown
        call_command("allocate_call", str(r.call.pk), "--time-limit", "5")
        assert m.AllocationRun.objects.count() == before + 1
        with pytest.raises(CommandError):
            call_command("allocate_call", "no-such-call")
        with pytest.raises(CommandError):
            call_command("allocate_call", r.call.code, "--time-limit", "0")


def test_the_allocation_waits_for_complete_scores(rounds):
    _closed_with(rounds, ("40000000.00", rounds.world.mahalla_a))
    with rounds.after_close():
        rounds.close()
        with pytest.raises(NotAllowed) as refused:
            services.allocation_propose(actor=rounds.admin, call=rounds.call, time_limit=5)
    assert refused.value.code == "not_scored"


def test_a_committee_decision_needs_no_second_officer_but_a_later_one_by_one_does(
        decided_setup):
    """Above the scheme's second-officer threshold, the quorate committee decides alone; the
    project it deferred, decided later by one officer, waits for a second again."""
    r = decided_setup
    w = r.world
    m.Scheme.objects.filter(pk=w.scheme.pk).update(second_officer_threshold=Decimal("1000.00"))
    big = r.apps[0]
    with r.after_close():
        services.call_decide(actor=r.admin, call=r.call, session=r.session, decisions={})
        project = m.Project.objects.get(pk=big.project_id)
        assert project.status == m.ProjectStatus.DEFERRED  # decided without a confirmation
        assert m.Project.objects.filter(pk__in=[a.project_id for a in r.apps[1:]],
                                        status=m.ProjectStatus.FUNDING).count() == 3
        services.project_review_start(project=project, actor=w.bob)
        with pytest.raises(NotAllowed) as refused:
            services.project_decide(project=project, actor=w.bob, decision="rejected",
                                    reason="Too large after all")
    assert refused.value.code == "second_officer_required"
