from decimal import Decimal

from matching import models as m
from matching import services


def test_a_whole_call(rounds):
    w = rounds.world
    a1 = rounds.apply(w.submitted(cost="40000000.00"))
    a2 = rounds.apply(w.submitted(cost="60000000.00", mahalla=w.mahalla_b))
    a3 = rounds.apply(w.submitted(cost="80000000.00", mahalla=w.mahalla_b, title="Road"))
    with rounds.after_close():
        rounds.close()
        rounds.score_all()
        run = services.allocation_propose(actor=w.admin, call=rounds.call, time_limit=5)
        print(run.chosen, run.greedy_chosen, run.equity, run.excluded)
        session = rounds.held_session()
        services.call_decide(actor=w.admin, call=rounds.call, session=session, decisions={})
    for a in (a1, a2, a3):
        a.project.refresh_from_db()
        print(a.project.code, a.project.status, a.decision.outcome, a.decision.reason)
