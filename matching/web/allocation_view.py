"""What the allocation page and the public results show of a proposal: the exact set beside the
greedy ranking, what each draws from each envelope, why they differ (in words), and the
equity indices before and after."""

from decimal import Decimal

from django.utils.translation import gettext as _

from .. import allocation
from ..currencies import minor_unit
from ..models import Application, BudgetEnvelope
from ..services.selection import problem_of


def _points(hundredths: int) -> Decimal:
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def _amount(minor: int, currency: str) -> Decimal:
    return Decimal(minor) / 10 ** minor_unit(currency)


def present(run, currency: str) -> dict:
    """The proposal `run` as the pages show it."""
    problem = problem_of(run)
    chosen, greedy = set(run.chosen), set(run.greedy_chosen)
    applications = {a.pk: a for a in Application.objects.active().filter(call=run.call_id)
                    .select_related("project", "district")}
    codes = {pk: a.project.code for pk, a in applications.items()}
    envelopes = {e.pk: e for e in BudgetEnvelope.objects.filter(pk__in=problem.capacities)
                 .select_related("funder")}
    used = {"proposal": {}, "greedy": {}}
    for name, keys in (("proposal", chosen), ("greedy", greedy)):
        for item in problem.items:
            if item.key in keys:
                for e, a in item.needs.items():
                    used[name][e] = used[name].get(e, 0) + a
    rows = [{"envelope": envelopes.get(e), "available": _amount(c, currency),
             "proposal": _amount(used["proposal"].get(e, 0), currency),
             "greedy": _amount(used["greedy"].get(e, 0), currency)}
            for e, c in sorted(problem.capacities.items(),
                               key=lambda kv: str(envelopes.get(kv[0], "")))]
    by_key = problem.by_key
    explanations = []
    for diff in allocation.differences(problem, chosen, greedy):
        params = {"code": codes.get(diff.key, diff.key),
                  "score": _points(by_key[diff.key].score),
                  "others": ", ".join(f"{codes.get(k, k)} ({_points(by_key[k].score)})"
                                      for k in diff.competitors) or "—",
                  "envelopes": ", ".join(str(envelopes[e].funder) for e in diff.shared_envelopes
                                         if e in envelopes) or "—"}
        if diff.in_exact:
            text = _("%(code)s (score %(score)s) is funded by the proposal, not by the greedy "
                     "ranking: greedy spent the money of %(envelopes)s on %(others)s first, "
                     "and what was left could not fund it.") % params
        else:
            text = _("%(code)s (score %(score)s) comes higher in the greedy ranking, but its "
                     "cost in %(envelopes)s funds %(others)s in the proposal instead, which "
                     "together score more.") % params
        if diff.same_group:
            text += " " + _("They share a mahalla, and a mahalla wins once a season.")
        explanations.append(text)
    excluded = {int(k): v for k, v in run.excluded.items()}
    scores = {int(k): v["score"] for k, v in run.items.items()}
    ranked = sorted(applications.values(),
                    key=lambda a: (-scores.get(a.pk, -1), a.pk))
    return {"run": run, "envelopes": rows,
            "rows": [{"application": a, "score": scores.get(a.pk), "proposed": a.pk in chosen,
                      "greedy": a.pk in greedy, "excluded": excluded.get(a.pk)} for a in ranked], "explanations": explanations,
            "score": _points(run.score), "greedy_score": _points(run.greedy_score),
            "bound": _points(run.bound), "gain": _points(run.score - run.greedy_score),
            "gap_percent": (Decimal(run.bound - run.score) * 100 / max(run.bound, 1))
            .quantize(Decimal("0.01")), "chosen": chosen, "greedy": greedy,
            "excluded": excluded}
