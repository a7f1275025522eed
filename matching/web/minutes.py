"""The minutes of a committee session, generated from the record: attendance and quorum,
declared interests, the scores (once the call is decided: never before, so that no member can
read the others' scores there before submitting his own), the votes, the decisions taken in the
session with their reasons, and the secretary's notes.

`names`: the members by name (the administrators' preview) or as "Member 1, 2 ..." (the
published minutes, which carry no personal names)."""

from ..models import CallStatus, Interest
from ..standings import standings


def minutes(session, *, names: bool) -> dict:
    call = session.call
    members = list(call.members.select_related("user"))
    label = {m.pk: (str(m.user) if names else m.label) for m in members}
    present = set(session.attendance.values_list("member_id", flat=True))
    interests = [{"member": label[i.member_id], "what": i.mahalla or i.association,
                  "note": i.note if names else ""}
                 for i in Interest.objects.filter(member__call=call)
                 .select_related("mahalla", "association").order_by("member__number", "id")]
    votes = {}
    for vote in session.votes.order_by("member__number"):
        votes.setdefault(vote.application_id, []).append(
            {"member": label[vote.member_id], "choice": vote.get_choice_display(),
             "key": vote.choice})
    decisions = {d.application_id: d for d in session.decisions.all()}
    show_scores = call.status == CallStatus.DECIDED or names
    rows = []
    for standing in standings(call):
        key = standing.application.pk
        cast = votes.get(key, [])
        rows.append({"standing": standing, "votes": cast,
                     "tally": {c: sum(1 for v in cast if v["key"] == c)
                               for c in ("for", "against", "abstain")},
                     "decision": decisions.get(key)})
    return {"session": session, "call": call, "criteria": list(call.criteria.all()),
            "attendance": [{"name": label[m.pk], "present": m.pk in present} for m in members],
            "present": len(present), "quorate": len(present) >= session.quorum,
            "interests": interests, "rows": rows, "show_scores": show_scores,
            "decided_here": bool(decisions)}
