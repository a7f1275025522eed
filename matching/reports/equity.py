"""Concentration of money across districts, per head: pure functions, Decimal in and out.

Evaluations of Mexico's 3x1 found the money concentrated in a few states and the poorer
municipalities getting less. Both indices below are population-weighted: each district counts
with its people, so a small district with a large project does not look like inequality of a
whole region.

- Gini: half the mean absolute difference of per-capita amounts between two people picked at
  random, over the mean. 0 when every person's district got the same per head; it approaches 1
  when one district got everything.
- Theil T: sum over districts of (population share × y/μ × ln(y/μ)), with 0·ln 0 = 0. 0 for
  perfect equality, ln(N people / people of the one district) at most. It decomposes between
  and within regions, which Gini does not.

Districts whose population is not known are left out (a per-capita figure needs people,
and a guessed one would be worse than none); if nobody got
anything the distribution is equal and both indices are 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext

ZERO = Decimal(0)
PLACES = Decimal("0.0001")
_PRECISION = 40


@dataclass(frozen=True)
class Share:
    """One district: the money it got and the people who live there."""

    amount: Decimal
    population: int | None  # None: not known


def _usable(shares: list[Share]) -> list[Share]:
    if any(s.amount < 0 for s in shares):
        raise ValueError("amounts cannot be negative")
    return [s for s in shares if s.population]


def _totals(shares: list[Share]) -> tuple[list[Share], int, Decimal]:
    """The districts that count, their people and their money."""
    shares = _usable(shares)
    return shares, sum(s.population for s in shares), sum((s.amount for s in shares), ZERO)


def gini(shares: list[Share]) -> Decimal:
    """Population-weighted Gini coefficient of money per head, to 4 places.

    O(n log n): sorted by per-capita amount, each district's absolute differences with the
    poorer ones are `y_i × P_before − Y_before`.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        shares, people, total = _totals(shares)
        if not shares or total == 0:
            return ZERO.quantize(PLACES)
        ordered = sorted(shares, key=lambda s: s.amount / s.population)
        pairs, people_before, money_before = ZERO, 0, ZERO
        for s in ordered:
            per_head = s.amount / s.population
            pairs += s.population * (per_head * people_before - money_before)
            people_before += s.population
            money_before += s.amount
        # sum over ordered pairs is 2 × pairs; G = Σ|yi − yj| pi pj / (2 P² μ), μ = total / P
        return (pairs / (people * total)).quantize(PLACES)


def theil(shares: list[Share]) -> Decimal:
    """Population-weighted Theil T index of money per head, to 4 places."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        shares, people, total = _totals(shares)
        if not shares or total == 0:
            return ZERO.quantize(PLACES)
        index = ZERO
        for s in shares:
            if s.amount == 0:
                continue  # 0 × ln 0 = 0 by continuity
            money_share = s.amount / total
            ratio = money_share / (Decimal(s.population) / people)  # y_i / μ
            index += money_share * ratio.ln()
        return index.quantize(PLACES)


def share_ratio(amount: Decimal, total: Decimal, population: int | None,
                people: int) -> Decimal | None:
    """Share of the money over share of the people: 1 is a fair share, 0 nothing, None when
    there is no population to compare with."""
    if not population or not people:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if total == 0:
            return ZERO.quantize(PLACES)
        return ((amount / total) / (Decimal(population) / people)).quantize(PLACES)


def per_capita(amount: Decimal, population: int | None) -> Decimal | None:
    """Money per head, or None when the population is not known (never a guess)."""
    if not population:
        return None
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return (amount / population).quantize(Decimal("0.01"))


def before_after(districts: dict, additions: dict[str, dict]) -> dict:
    """Gini and Theil of money per head across `districts` ({key: (amount, population)}),
    as they are and after each set of `additions` ({name: {key: amount added}}). Districts
    without a population are left out of every index and counted, so that a reader knows
    how many the figures do not cover."""
    def indices(amounts: dict) -> dict:
        shares = [Share(amounts.get(k, ZERO), population) for k, (_a, population)
                  in districts.items()]
        return {"gini": str(gini(shares)), "theil": str(theil(shares))}

    base = {k: amount for k, (amount, _p) in districts.items()}
    result = {"counted": sum(1 for _a, p in districts.values() if p),
              "left_out": sum(1 for _a, p in districts.values() if not p),
              "before": indices(base)}
    for name, added in additions.items():
        after = dict(base)
        for key, amount in added.items():
            if key in after:
                after[key] += amount
        result[name] = indices(after)
    return result
