"""Which applications of a call to fund: pure functions, integers in, integers out, no Django.

The committee's problem is a multi-dimensional knapsack. Each application has a total score
(in hundredths of a point) and needs, from each funder's envelope the call spends, the amount
its co-funder target under the match rules comes to (in minor units). Choose the set that

- maximises the sum of the scores,
- needs from no envelope more than is still available in it, and
- under a repeat-winner bar, funds at most one application of a mahalla (`group`).

`exact()` solves it as an integer programme with HiGHS through `scipy.optimize.milp`. It was
chosen over OR-Tools CP-SAT by measuring both on the benchmark's data (bench/README.md,
"allocation"): on 5,000 applications and 400 envelopes CP-SAT, whose strength is not
knapsacks with amounts in the billions, did not improve on the greedy ranking in 60 s, while
HiGHS came within 0.6 % of its proven bound. The answer is never worse than greedy's, and is
checked in integers whatever the solver says. If the time limit stops the solver first, it
returns the best set found with its proven bound, so that the optimality gap is reported.

`greedy()` is the ranking committees use by hand: best score first, funded down the list while
the money lasts, skipping what no longer fits. `differences()` says why the two sets differ.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# seconds; the solver then stops with the best set found and its proven bound, and the gap is
# reported (bench/README.md: 5,000 applications are not proven optimal within a minute here)
DEFAULT_TIME_LIMIT = 30.0
MAX_TIME_LIMIT = 600  # a background job's (the page's) and the command's longest


@dataclass(frozen=True)
class Item:
    """One application: its key, its score in hundredths, what it needs from each envelope
    (envelope key → minor units), and its mahalla for the repeat-winner bar."""

    key: int
    score: int
    needs: Mapping[int, int]
    group: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "needs", {e: int(a) for e, a in self.needs.items() if a})
        if self.score < 0 or any(a < 0 for a in self.needs.values()):
            raise ValueError("scores and needs cannot be negative")


@dataclass(frozen=True)
class Problem:
    items: tuple[Item, ...]
    capacities: Mapping[int, int]  # envelope key → minor units still available
    one_per_group: bool = False  # the repeat-winner bar: one winner per mahalla per season

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(sorted(self.items, key=lambda i: i.key)))
        object.__setattr__(self, "capacities", {e: int(c) for e, c in self.capacities.items()})
        if len({i.key for i in self.items}) != len(self.items):
            raise ValueError("item keys must be unique")

    def fits_alone(self, item: Item) -> bool:
        """Whether the item could be funded at all: every envelope it needs is in the call
        and holds enough for it."""
        return all(e in self.capacities and a <= self.capacities[e]
                   for e, a in item.needs.items())

    @property
    def by_key(self) -> dict[int, Item]:
        return {i.key: i for i in self.items}


@dataclass(frozen=True)
class Solution:
    chosen: frozenset[int]
    score: int
    method: str  # "greedy" or "highs"
    optimal: bool
    bound: int  # a proven upper bound of the best score (= score when optimal)
    seconds: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gap(self) -> float:
        """Relative optimality gap: 0 when proven optimal."""
        return 0.0 if self.bound <= self.score else (self.bound - self.score) / max(self.bound, 1)


def score_of(problem: Problem, chosen: Iterable[int]) -> int:
    by_key = problem.by_key
    return sum(by_key[k].score for k in chosen)


def violations(problem: Problem, chosen: Iterable[int]) -> list[str]:
    """What is wrong with a chosen set (empty when it respects every envelope and the bar);
    checked in integers."""
    by_key, used, groups, problems = problem.by_key, defaultdict(int), defaultdict(int), []
    for key in chosen:
        item = by_key[key]
        for envelope, amount in item.needs.items():
            if envelope not in problem.capacities:
                problems.append(f"item {key} needs envelope {envelope}, which is not in the call")
            used[envelope] += amount
        if problem.one_per_group and item.group is not None:
            groups[item.group] += 1
    problems += [f"envelope {e}: {used[e]} > {c}" for e, c in problem.capacities.items()
                 if used[e] > c]
    problems += [f"group {g}: {n} winners" for g, n in groups.items() if n > 1]
    return problems


def greedy(problem: Problem) -> Solution:
    """Best score first (ties: lower key first), each taken if it still fits."""
    start = time.perf_counter()
    left = dict(problem.capacities)
    taken_groups, chosen = set(), []
    for item in sorted(problem.items, key=lambda i: (-i.score, i.key)):
        if problem.one_per_group and item.group is not None and item.group in taken_groups:
            continue
        if all(e in left and a <= left[e] for e, a in item.needs.items()):
            for e, a in item.needs.items():
                left[e] -= a
            chosen.append(item.key)
            if item.group is not None:
                taken_groups.add(item.group)
    total = score_of(problem, chosen)
    return Solution(frozenset(chosen), total, "greedy", optimal=False, bound=total,
                    seconds=time.perf_counter() - start)


def _candidates(problem: Problem) -> list[Item]:
    """The items the solver decides on: those that fit alone and score above nothing."""
    return [i for i in problem.items if problem.fits_alone(i) and i.score > 0]


def _best(problem: Problem, found: Solution, ranked: Solution) -> Solution:
    """The solver's set, unless the greedy ranking scores more (a solver stopped by its time
    limit before it reached greedy's score): never below greedy."""
    if ranked.score > found.score:
        return Solution(ranked.chosen, ranked.score, found.method, optimal=False,
                        bound=max(found.bound, ranked.score), seconds=found.seconds,
                        notes=(*found.notes, "greedy scored more than the solver's best set "
                                             "within the time limit; greedy's set is kept"))
    return found


def exact(problem: Problem, *, time_limit: float = DEFAULT_TIME_LIMIT) -> Solution:
    """The optimal set by HiGHS through `scipy.optimize.milp` (or the best it found within
    `time_limit`, with its proven bound).

    HiGHS works in floating point, so each envelope's row is scaled by its capacity and the
    set it returns is checked again in integers: were a rounding to break an envelope by a
    fraction, the lowest-scoring application drawing on that envelope is dropped until none
    is broken, and the set is not called optimal."""
    import numpy as np  # noqa: PLC0415
    from scipy.optimize import Bounds, LinearConstraint, milp  # noqa: PLC0415
    from scipy.sparse import coo_array  # noqa: PLC0415

    ranked = greedy(problem)
    start = time.perf_counter()
    items = _candidates(problem)
    if not items:
        return Solution(frozenset(), 0, "highs", optimal=True, bound=0,
                        seconds=time.perf_counter() - start)
    index = {i.key: n for n, i in enumerate(items)}
    rows, cols, values, upper, row_of = [], [], [], [], {}
    for item in items:
        for envelope, amount in item.needs.items():
            if envelope not in row_of:
                row_of[envelope] = len(upper)
                upper.append(1.0)
            rows.append(row_of[envelope])
            cols.append(index[item.key])
            values.append(amount / problem.capacities[envelope])
    if problem.one_per_group:
        groups = defaultdict(list)
        for item in items:
            if item.group is not None:
                groups[item.group].append(index[item.key])
        for members in groups.values():
            if len(members) > 1:
                row = len(upper)
                upper.append(1.0)
                rows += [row] * len(members)
                cols += members
                values += [1.0] * len(members)
    matrix = coo_array((values, (rows, cols)), shape=(len(upper), len(items))).tocsr()
    scores = np.array([i.score for i in items], dtype=float)
    result = milp(-scores, integrality=np.ones(len(items)), bounds=Bounds(0, 1),
                  constraints=LinearConstraint(matrix, -np.inf, np.array(upper)),
                  options={"time_limit": float(time_limit), "mip_rel_gap": 0.0})
    seconds = time.perf_counter() - start
    if result.x is None:
        return _best(problem, Solution(frozenset(), 0, "highs", optimal=False,
                                       bound=int(-getattr(result, "mip_dual_bound", 0) or 0),
                                       seconds=seconds, notes=(result.message,)), ranked)
    chosen = {items[n].key for n, v in enumerate(result.x) if v > 0.5}
    notes = _repair(problem, chosen)
    total = score_of(problem, chosen)
    optimal = result.status == 0 and not notes
    dual = getattr(result, "mip_dual_bound", None)
    bound = total if optimal else max(total, int(-dual) if dual is not None else total)
    return _best(problem, Solution(frozenset(chosen), total, "highs", optimal=optimal,
                                   bound=bound, seconds=seconds, notes=tuple(notes)), ranked)


def _repair(problem: Problem, chosen: set[int]) -> tuple[str, ...]:
    """Make `chosen` respect every envelope and the bar in integers, dropping the lowest
    score that draws on what is broken; say what was dropped."""
    by_key, notes = problem.by_key, []
    while True:
        used, groups = defaultdict(int), defaultdict(list)
        for key in chosen:
            for envelope, amount in by_key[key].needs.items():
                used[envelope] += amount
            if problem.one_per_group and by_key[key].group is not None:
                groups[by_key[key].group].append(key)
        broken = [e for e, amount in used.items() if amount > problem.capacities.get(e, -1)]
        crowded = [g for g, keys in groups.items() if len(keys) > 1]
        if not broken and not crowded:
            return tuple(notes)
        if broken:
            envelope = broken[0]
            excess = used[envelope] - problem.capacities.get(envelope, 0)
            drawing = [k for k in chosen if envelope in by_key[k].needs]
            # the cheapest fix: the lowest score among those whose removal alone mends it
            enough = [k for k in drawing if by_key[k].needs[envelope] >= excess]
            drawing = enough or drawing
        else:
            drawing = groups[crowded[0]]
        worst = min(drawing, key=lambda k: (by_key[k].score, -k))
        chosen.discard(worst)
        notes.append(f"dropped {worst}: the solver's set broke a limit by a rounding")


@dataclass(frozen=True)
class Difference:
    """One application that only one of the two sets funds, and the applications of the
    other set that compete with it for the same envelopes (or the same mahalla)."""

    key: int
    in_exact: bool
    competitors: tuple[int, ...]
    shared_envelopes: tuple[int, ...]
    same_group: bool


def differences(problem: Problem, exact_set: Iterable[int],
                greedy_set: Iterable[int]) -> list[Difference]:
    """Why the exact set and the greedy ranking differ, application by application: what
    greedy funds that the exact set does not, and which applications of the exact set the
    money (or the mahalla's one win) goes to instead, and the other way round."""
    exact_set, greedy_set = set(exact_set), set(greedy_set)
    by_key = problem.by_key
    only_exact, only_greedy = exact_set - greedy_set, greedy_set - exact_set
    found = []
    for keys, others, in_exact in ((only_greedy, only_exact, False),
                                   (only_exact, only_greedy, True)):
        for key in sorted(keys, key=lambda k: (-by_key[k].score, k)):
            item = by_key[key]
            competitors, shared = [], set()
            for other in sorted(others, key=lambda k: (-by_key[k].score, k)):
                common = set(item.needs) & set(by_key[other].needs)
                same = (problem.one_per_group and item.group is not None
                        and item.group == by_key[other].group)
                if common or same:
                    competitors.append(other)
                    shared |= common
            found.append(Difference(key, in_exact, tuple(competitors), tuple(sorted(shared)),
                                    any(problem.one_per_group and item.group is not None
                                        and by_key[o].group == item.group
                                        for o in competitors)))
    return found
