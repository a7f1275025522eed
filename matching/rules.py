"""The match arithmetic of a scheme: pure functions, Decimal in, Decimal out, no Django import.

compute_match() follows DOMAIN.md "Match rules": targets by weight (largest remainder), caps, the
maximum public share, the effective contribution, each co-funder's match, the gap and the
leverage, and keeps every step as a translatable sentence (rules_types.py defines the rules,
rules_input.py reads them and the match-preview JSON). Internally amounts are integers of minor units and ratios are
Fractions, so nothing is rounded except where the rules say so.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from matching.currencies import (
    amount_error,
    convert,
    format_amount,
    minor_unit,
    quantize,
)
from matching.rules_types import (  # noqa: F401 (the types are imported from here)
    ASSOCIATION,
    MAX_RATE,
    MAX_WEIGHT,
    Party,
    Rules,
    RulesError,
    Step,
    TopUp,
    _,
    _add,
    _identity,
    _top_up_errors,
    _weight_error,
)

__all__ = [
    "ASSOCIATION", "MatchResult", "Party", "Rules", "RulesError", "Step", "TopUp",
    "compute_match", "convert", "format_amount", "minor_unit", "quantize", "split",
]  # fmt: skip


@dataclass(frozen=True)
class MatchResult:
    """What compute_match() found. Amounts are in the scheme currency, after exchange."""

    currency: str
    cost: Decimal  # eligible cost of the project
    targets: dict[str, Decimal]  # every party, association included, after caps and ceiling
    received: Decimal  # association money in hand, converted, before the min with its target
    effective_contribution: Decimal  # R_eff: the part of ``received`` that is matched
    matches: dict[str, Decimal]  # co-funders only
    bound_by: dict[str, str]  # co-funder -> "share" | "cap" | "public_share" | "envelope"
    gap: Decimal  # cost minus all targets, top-ups and raise: what no one has covered yet
    leverage: Decimal  # sum of matches (top-ups included) / R_eff, 2 decimals
    steps: tuple[Step, ...]
    # A gap covered after the fact (DOMAIN.md "Match rules" step 4): extra commitments by named
    # funders, paid in step with the association's money, and the association's own raise,
    # which grows its target but is never matched.
    # what set each scheme party's target: "share", or the "cap" or "public_share" that cut it
    target_limits: dict[str, str] = field(default_factory=dict)
    top_ups: dict[str, Decimal] = field(default_factory=dict)  # top-up role -> amount
    top_up_matches: dict[str, Decimal] = field(default_factory=dict)
    raised: Decimal = Decimal(0)

    def commitment_targets(self) -> dict[str, Decimal]:
        """What each commitment holds: every party's target (the association's grown by its
        raise) and every top-up."""
        return {**self.targets, ASSOCIATION: self.targets[ASSOCIATION] + self.raised,
                **self.top_ups}

    def owed(self) -> dict[str, Decimal]:
        """What each commitment has matched so far: each co-funder's and top-up's match, and
        for the association its money in hand up to its (raised) target."""
        return {**self.matches, **self.top_up_matches,
                ASSOCIATION: min(self.received, self.targets[ASSOCIATION] + self.raised)}

    def to_dict(self, translate: Callable[[str], str] = _identity) -> dict[str, Any]:
        """The JSON shape of the match-preview contract; amounts as strings."""

        def money(amount: Decimal) -> str:
            return format_amount(amount, self.currency)

        out = {
            "currency": self.currency,
            "cost": money(self.cost),
            "targets": {role: money(v) for role, v in self.targets.items()},
            "received": money(self.received),
            "effective_contribution": money(self.effective_contribution),
            "matches": {role: money(v) for role, v in self.matches.items()},
            "bound_by": dict(self.bound_by),
            "gap": money(self.gap),
            "leverage": format(self.leverage, "f"),
            "steps": [step.render(translate) for step in self.steps],
        }
        if self.top_ups or self.raised:  # the contract is unchanged for a match without them
            out["top_ups"] = {role: money(v) for role, v in self.top_ups.items()}
            out["top_up_matches"] = {role: money(v) for role, v in self.top_up_matches.items()}
            out["raised"] = money(self.raised)
        return out


def _largest_remainder(total: int, weights: list[Fraction]) -> list[int]:
    """Split ``total`` minor units by weight; leftovers go to the largest remainders, ties to
    the first listed. The parts add up to ``total`` exactly."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [math.floor(e) for e in exact]
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _cut_by_weight(excess: int, targets: list[int], weights: list[Fraction]) -> list[int]:
    """Cut ``excess`` from ``targets`` in proportion to weight. A party whose share of the cut
    is more than its target loses its whole target and the rest is shared again."""
    cuts = [0] * len(targets)
    active = [i for i, t in enumerate(targets) if t > 0]
    while excess > 0 and active:
        whole = sum(weights[i] for i in active)
        over = [i for i in active if excess * weights[i] / whole > targets[i]]
        if not over:
            for i, part in zip(active, _largest_remainder(excess, [weights[i] for i in active])):
                cuts[i] = part
            break
        for i in over:
            cuts[i] = targets[i]
            excess -= targets[i]
        active = [i for i in active if i not in over]
    return cuts


def _round_half_up(value: Fraction) -> Decimal:
    """A non-negative ratio to 2 decimals, half-up."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))).scaleb(-2)


def _number(value: Decimal | Fraction) -> str:
    """A weight or a percentage for a sentence: '1', '25', '0.5', '33.33'."""
    if isinstance(value, Fraction):
        value = _round_half_up(value)
    return format(value.normalize(), "f")


def compute_match(
    rules: Rules,
    *,
    cost: Decimal,
    received: Decimal,
    category: str | None = None,
    envelopes: Mapping[str, Decimal | None] | None = None,
    top_ups: Sequence[TopUp] = (),
    raised: Decimal = Decimal(0),
) -> MatchResult:
    """Apply ``rules`` to a project of eligible ``cost`` with ``received`` association money
    (scheme currency). ``envelopes`` maps a co-funder (or top-up) role to what is left of its
    envelope; a role that is absent or None is unlimited. ``top_ups`` and ``raised`` (the
    association's raise of its own share) cover the gap that caps and the public-share ceiling
    open, and together may not exceed it. Raises RulesError on invalid input."""
    currency, places = rules.currency, minor_unit(rules.currency)
    envelopes = dict(envelopes or {})
    top_ups = tuple(top_ups)
    errors: dict[str, list[str]] = {}
    _add(errors, "cost", amount_error(cost, places, positive=True))
    _add(errors, "received", amount_error(received, places))
    if "cost" not in errors and rules.max_project_cost is not None and cost > rules.max_project_cost:
        _add(errors, "cost", _("Cost is above the scheme's maximum project cost."))
    if category is not None and not isinstance(category, str):
        _add(errors, "category", _("Expected a string."))
    elif category is not None and rules.eligible_categories is not None:
        if category not in rules.eligible_categories:
            _add(errors, "category", _("This category is not eligible under the scheme."))
    co_roles = {p.role for p in rules.co_funders}
    _top_up_errors(errors, rules, top_ups, raised, places)
    for role, remaining in envelopes.items():
        if role not in co_roles | {t.role for t in top_ups if isinstance(t, TopUp)}:
            _add(errors, f"envelopes.{role}", _("No co-funder has this role."))
        elif remaining is not None:
            _add(errors, f"envelopes.{role}", amount_error(remaining, places))
    if errors:
        raise RulesError(errors)

    def units(amount: Decimal) -> int:
        return int(quantize(amount, currency).scaleb(places))

    def money(n: int) -> str:
        return format_amount(Decimal(n).scaleb(-places), currency)

    parties = rules.parties
    roles = [p.role for p in parties]
    weights = [Fraction(rules.weight_of(p, category)) for p in parties]
    a = roles.index(ASSOCIATION)
    co = [i for i in range(len(parties)) if i != a]
    cost_u = units(cost)
    steps: list[Step] = []

    def step(template: str, **params: str) -> None:
        steps.append(Step(template, params))

    # 1. Targets: the cost split by weight, then cut to each cap.
    if category is not None and any(category in p.category_weights for p in parties):
        step(_("Project category %(category)s uses the weights set for it."), category=category)
    step(
        _("Eligible cost %(cost)s %(currency)s is split by weights %(weights)s "
          "(shares %(shares)s)."),
        cost=money(cost_u),
        currency=currency,
        weights=", ".join(f"{r} {_number(Decimal(w.numerator) / w.denominator)}"
                          for r, w in zip(roles, weights)),
        shares=", ".join(f"{_number(w / sum(weights) * 100)}%" for w in weights),
    )  # fmt: skip
    targets = _largest_remainder(cost_u, weights)
    reasons = ["share"] * len(parties)
    for role, target in zip(roles, targets):
        step(_("Target of %(role)s: %(amount)s %(currency)s (share)."),
             role=role, amount=money(target), currency=currency)  # fmt: skip
    for i, party in enumerate(parties):
        if party.cap is not None and units(party.cap) < targets[i]:
            step(
                _("The cap of %(role)s, %(cap)s %(currency)s, cuts its target "
                  "from %(before)s to %(after)s."),
                role=roles[i], cap=money(units(party.cap)), currency=currency,
                before=money(targets[i]), after=money(units(party.cap)),
            )  # fmt: skip
            targets[i], reasons[i] = units(party.cap), "cap"

    # 2. Maximum public share: the excess is cut from the co-funders and given to nobody.
    if rules.max_public_share is not None:
        limit = math.floor(cost_u * Fraction(rules.max_public_share))
        public = sum(targets[i] for i in co)
        ceiling = dict(total=money(public), limit=money(limit), currency=currency,
                       share=f"{_number(Fraction(rules.max_public_share) * 100)}%")  # fmt: skip
        if public <= limit:
            step(_("Co-funder targets total %(total)s %(currency)s, within the public-share "
                   "ceiling of %(limit)s (%(share)s of the cost)."), **ceiling)  # fmt: skip
        else:
            step(_("Co-funder targets total %(total)s %(currency)s, above the public-share "
                   "ceiling of %(limit)s (%(share)s of the cost); %(excess)s is cut and not "
                   "given to anyone."), excess=money(public - limit), **ceiling)  # fmt: skip
            cuts = _cut_by_weight(public - limit, [targets[i] for i in co], [weights[i] for i in co])
            for i, cut in zip(co, cuts):
                if cut:
                    step(
                        _("The public-share ceiling cuts the target of %(role)s by %(cut)s, "
                          "from %(before)s to %(after)s."),
                        role=roles[i], cut=money(cut),
                        before=money(targets[i]), after=money(targets[i] - cut),
                    )  # fmt: skip
                    targets[i], reasons[i] = targets[i] - cut, "public_share"
    gap = cost_u - sum(targets)

    # 2b. Top-ups and the association's raise cover (part of) that gap, never more.
    covering = [units(t.amount) for t in top_ups]
    raised_u = units(raised)
    if sum(covering) + raised_u > gap:
        raise RulesError({"top_ups": [_("Top-ups exceed the funding gap.")]})
    for top_up, cover in zip(top_ups, covering):
        step(_("Top-up by %(name)s: %(amount)s %(currency)s of the gap of %(gap)s, paid in step "
               "with the association's money."),
             name=top_up.name or top_up.role, amount=money(cover), currency=currency,
             gap=money(gap))  # fmt: skip
    if raised_u:
        step(_("The association raises its own share by %(amount)s %(currency)s: its target "
               "grows to %(target)s; the raise is not matched."),
             amount=money(raised_u), currency=currency, target=money(targets[a] + raised_u))  # fmt: skip
    uncovered = gap - sum(covering) - raised_u

    # 3. Effective contribution: money beyond the association's target is kept, not matched.
    received_u = units(received)
    effective = min(received_u, targets[a])
    step(_("Received %(received)s %(currency)s; effective contribution is the smaller of that "
           "and the association target: %(effective)s."),
         received=money(received_u), currency=currency, effective=money(effective))  # fmt: skip

    # 4. Matches: the formula, then the target and the envelope as limits.
    matches: dict[str, int] = {}
    bound_by: dict[str, str] = {}
    for i in co:
        role = roles[i]
        formula = math.floor(effective * weights[i] / weights[a])
        remaining = envelopes.get(role)
        envelope = None if remaining is None else units(remaining)
        matches[role] = min(formula, targets[i], *([] if envelope is None else [envelope]))
        if envelope is not None and envelope < formula and envelope < targets[i]:
            bound_by[role] = "envelope"
        else:
            bound_by[role] = reasons[i] if targets[i] < formula else "share"
        owes = dict(role=role, effective=money(effective), formula=money(formula),
                    weight=_number(rules.weight_of(parties[i], category)),
                    base=_number(rules.weight_of(parties[a], category)),
                    target=money(targets[i]), match=money(matches[role]))  # fmt: skip
        if envelope is not None and bound_by[role] == "envelope":
            step(_("%(role)s owes %(effective)s × %(weight)s/%(base)s = %(formula)s, limited by "
                   "its remaining envelope %(envelope)s → %(match)s."),
                 envelope=money(envelope), **owes)  # fmt: skip
        elif targets[i] < formula:
            step(_("%(role)s owes %(effective)s × %(weight)s/%(base)s = %(formula)s, limited by "
                   "its target %(target)s → %(match)s."), **owes)  # fmt: skip
        else:
            step(_("%(role)s owes %(effective)s × %(weight)s/%(base)s = %(formula)s → %(match)s."),
                 **owes)  # fmt: skip

    # 4b. A top-up pays in step with the association: its amount × R_eff / association target.
    top_up_matches: dict[str, int] = {}
    for top_up, cover in zip(top_ups, covering):
        formula = math.floor(Fraction(cover * effective, targets[a])) if targets[a] else 0
        remaining = envelopes.get(top_up.role)
        envelope = None if remaining is None else units(remaining)
        top_up_matches[top_up.role] = min(formula, cover, *([] if envelope is None else [envelope]))
        bound_by[top_up.role] = ("envelope" if envelope is not None
                                 and envelope < min(formula, cover) else "top_up")
        owes = dict(name=top_up.name or top_up.role, amount=money(cover),
                    effective=money(effective), base=money(targets[a]), formula=money(formula),
                    match=money(top_up_matches[top_up.role]))  # fmt: skip
        if bound_by[top_up.role] == "envelope":
            step(_("%(name)s tops up %(amount)s × %(effective)s/%(base)s = %(formula)s, limited "
                   "by its remaining envelope %(envelope)s → %(match)s."),
                 envelope=money(envelope), **owes)  # fmt: skip
        else:
            step(_("%(name)s tops up %(amount)s × %(effective)s/%(base)s = %(formula)s → "
                   "%(match)s."), **owes)  # fmt: skip

    # 5. Gap and leverage.
    if top_ups or raised_u:
        step(_("Funding gap: %(gap)s %(currency)s (cost %(cost)s minus the targets, %(targets)s, "
               "and the top-ups, %(covered)s)."),
             gap=money(uncovered), currency=currency, cost=money(cost_u),
             targets=money(sum(targets)), covered=money(sum(covering) + raised_u))  # fmt: skip
    else:
        step(_("Funding gap: %(gap)s %(currency)s (cost %(cost)s minus the targets, "
               "%(targets)s)."),
             gap=money(gap), currency=currency, cost=money(cost_u), targets=money(sum(targets)))  # fmt: skip
    total = sum(matches.values()) + sum(top_up_matches.values())
    leverage = _round_half_up(Fraction(total, effective) if effective else Fraction(0))
    step(_("Leverage: matches %(matches)s / effective contribution %(effective)s "
           "= %(leverage)s."),
         matches=money(total), effective=money(effective), leverage=format(leverage, "f"))  # fmt: skip

    def amount(n: int) -> Decimal:
        return Decimal(n).scaleb(-places)

    return MatchResult(
        currency=currency,
        cost=amount(cost_u),
        targets={r: amount(t) for r, t in zip(roles, targets)},
        received=amount(received_u),
        effective_contribution=amount(effective),
        matches={r: amount(m) for r, m in matches.items()},
        bound_by=bound_by,
        gap=amount(uncovered),
        leverage=leverage,
        steps=tuple(steps),
        target_limits=dict(zip(roles, reasons)),
        top_ups={t.role: amount(c) for t, c in zip(top_ups, covering)},
        top_up_matches={r: amount(m) for r, m in top_up_matches.items()},
        raised=amount(raised_u),
    )


def split(total: Decimal, shares: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` in proportion to ``shares`` (e.g. a commitment into tranches) with the
    largest-remainder method, ties to the first listed: the parts add up to ``total``."""
    errors: dict[str, list[str]] = {}
    _add(errors, "total", amount_error(total, minor_unit(currency)))
    if not shares:
        _add(errors, "shares", _("At least one share is needed."))
    for i, share in enumerate(shares):
        _add(errors, f"shares[{i}]", _weight_error(share))
    if errors:
        raise RulesError(errors)
    places = minor_unit(currency)
    units = int(quantize(total, currency).scaleb(places))
    parts = _largest_remainder(units, [Fraction(share) for share in shares])
    return [Decimal(part).scaleb(-places) for part in parts]
