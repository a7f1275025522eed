"""Properties of the match arithmetic that must hold for any scheme, checked with Hypothesis."""

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.rules import (
    ASSOCIATION,
    Party,
    Rules,
    RulesError,
    compute_match,
    minor_unit,
)
from matching.rules_input import parse_preview, preview

CURRENCIES = ["UZS", "JPY", "KWD", "RUB"]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def amounts(currency, min_units=0, max_units=10**10):
    places = minor_unit(currency)
    return st.integers(min_units, max_units).map(lambda n: Decimal(n).scaleb(-places))


weights = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100"), places=2)


@st.composite
def schemes(draw, limits=True):
    currency = draw(st.sampled_from(CURRENCIES))
    roles = [ASSOCIATION] + [f"funder{i}" for i in range(draw(st.integers(1, 4)))]
    roles = draw(st.permutations(roles))
    parties = tuple(
        Party(
            role=role,
            weight=draw(weights),
            cap=draw(st.none() | amounts(currency)) if limits else None,
            category_weights=draw(st.dictionaries(st.just("school"), weights, max_size=1)),
        )
        for role in roles
    )
    share = draw(st.none() | st.decimals(Decimal("0.01"), Decimal("1"), places=2)) if limits else None
    return Rules(currency=currency, parties=parties, max_public_share=share)


@st.composite
def projects(draw, limits=True):
    rules = draw(schemes(limits=limits))
    cost = draw(amounts(rules.currency, min_units=1))
    received = draw(amounts(rules.currency))
    envelopes = {}
    if limits:
        for party in rules.co_funders:
            if draw(st.booleans()):
                envelopes[party.role] = draw(st.none() | amounts(rules.currency))
    category = draw(st.sampled_from([None, "school", "road"]))
    return rules, dict(cost=cost, received=received, category=category, envelopes=envelopes)


@SETTINGS
@given(projects(limits=False))
def test_targets_add_up_to_the_cost_when_no_limit_binds(project):
    rules, inputs = project

    result = compute_match(rules, **inputs)

    assert sum(result.targets.values()) == inputs["cost"]
    assert result.gap == 0
    # and each target is its exact share, give or take one minor unit
    unit = Fraction(Decimal(1).scaleb(-minor_unit(rules.currency)))
    total = sum(Fraction(rules.weight_of(p, inputs["category"])) for p in rules.parties)
    for party in rules.parties:
        exact = Fraction(inputs["cost"]) * Fraction(rules.weight_of(party, inputs["category"])) / total
        assert abs(Fraction(result.targets[party.role]) - exact) < unit


@SETTINGS
@given(projects())
def test_no_match_exceeds_its_target_cap_or_envelope(project):
    rules, inputs = project

    result = compute_match(rules, **inputs)

    for party in rules.co_funders:
        match = result.matches[party.role]
        assert match >= 0
        assert match <= result.targets[party.role]
        if party.cap is not None:
            assert match <= party.cap
            assert result.targets[party.role] <= party.cap
        if inputs["envelopes"].get(party.role) is not None:
            assert match <= inputs["envelopes"][party.role]
        assert result.bound_by[party.role] in {"share", "cap", "public_share", "envelope"}
    public_targets = sum(result.targets[p.role] for p in rules.co_funders)
    assert sum(result.matches.values()) <= public_targets
    assert result.effective_contribution == min(inputs["received"], result.targets[ASSOCIATION])


@SETTINGS
@given(projects())
def test_gap_is_what_the_targets_leave_and_the_ceiling_holds(project):
    rules, inputs = project

    result = compute_match(rules, **inputs)

    assert result.gap >= 0
    assert result.gap == inputs["cost"] - sum(result.targets.values())
    if rules.max_public_share is not None:
        public = sum(result.targets[p.role] for p in rules.co_funders)
        assert public <= inputs["cost"] * rules.max_public_share
    # the ceiling only ever takes away: nobody's target grows because of it
    without = Rules(rules.currency, rules.parties)
    uncut = compute_match(without, **inputs).targets
    assert all(result.targets[role] <= uncut[role] for role in uncut)


@SETTINGS
@given(projects())
def test_matches_follow_the_formula_when_nothing_limits_them(project):
    rules, inputs = project

    result = compute_match(rules, **inputs)

    places = minor_unit(rules.currency)
    association = rules.weight_of(ASSOCIATION, inputs["category"])
    for party in rules.co_funders:
        formula = Fraction(result.effective_contribution) * Fraction(
            rules.weight_of(party, inputs["category"])) / Fraction(association)  # fmt: skip
        floor = Decimal(math.floor(formula * 10**places)).scaleb(-places)
        limits = [floor, result.targets[party.role]]
        if inputs["envelopes"].get(party.role) is not None:
            limits.append(inputs["envelopes"][party.role])
        assert result.matches[party.role] == min(limits)


@st.composite
def receipts(draw):
    code = draw(st.sampled_from(["UZS", "RUB", "KZT", "USD", "JPY", "KWD"]))
    places = minor_unit(code)
    receipt = {
        "amount": str(Decimal(draw(st.integers(1, 10**9))).scaleb(-places)),
        "currency": code,
    }
    if code != "UZS" or draw(st.booleans()):
        receipt["rate"] = "1" if code == "UZS" else str(
            draw(st.decimals(Decimal("0.0001"), Decimal("50000"), places=4)))  # fmt: skip
    return receipt


@SETTINGS
@given(st.lists(receipts(), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_receipts_arrive_in(receipt_list, random):
    request = {
        "rules": {"currency": "UZS", "parties": [
            {"role": "association", "weight": "1"}, {"role": "district", "weight": "1"}]},
        "cost": "900000000000.00",
        "receipts": receipt_list,
    }  # fmt: skip
    shuffled = list(receipt_list)
    random.shuffle(shuffled)

    assert preview(request) == preview({**request, "receipts": shuffled})


# Junk: arbitrary JSON-like values, and near-valid requests with junk in random places.
JUNK_STRINGS = ["", " ", "NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e400", "1E-400", "0",
                "-0", "-1", "1.5", "0.001", "1_000", "١٢", "UZS", "JPY", "association", "district",
                "school", "9" * 30, "0." + "0" * 30 + "1"]  # fmt: skip
leaves = (
    st.none() | st.booleans() | st.integers() | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=12)
    | st.sampled_from(JUNK_STRINGS)
)  # fmt: skip
keys = st.text(max_size=8) | st.sampled_from(
    ["rules", "scheme", "cost", "received", "receipts", "envelopes", "category", "currency",
     "parties", "role", "weight", "cap", "amount", "rate", "association", "district"])  # fmt: skip
junk = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


def maybe(valid):
    """Mostly the valid value, sometimes junk: so that some requests get all the way through."""
    return st.integers(0, 11).flatmap(lambda n: junk if n == 0 else valid)


amount_strings = st.sampled_from(["1", "0.01", "100.00", "40000000.00", "12", "0", "1.001"])


def party(role):
    return st.fixed_dictionaries(
        {"role": maybe(role), "weight": maybe(st.sampled_from(["1", "2", "0.5", "25", "0.001"]))},
        optional={"cap": maybe(amount_strings),
                  "category_weights": maybe(st.fixed_dictionaries({"school": maybe(st.just("2"))}))},
    )  # fmt: skip


parties = st.tuples(
    party(st.just("association")),
    st.lists(party(st.sampled_from(["district", "mahalla", "sponsor"])), min_size=1, max_size=3,
             unique_by=lambda p: repr(p["role"])),
).map(lambda t: [t[0], *t[1]])  # fmt: skip
rules_objects = st.fixed_dictionaries(
    {"currency": maybe(st.sampled_from(["UZS", "JPY", "KWD"])), "parties": maybe(parties)},
    optional={"max_project_cost": maybe(amount_strings),
              "max_public_share": maybe(st.sampled_from(["0.7", "1", "0.01", "0"])),
              "eligible_categories": maybe(st.just(["school"]))},
)  # fmt: skip
request_fields = {
    "received": maybe(amount_strings),
    "receipts": maybe(st.lists(st.fixed_dictionaries(
        {"amount": maybe(amount_strings), "currency": maybe(st.sampled_from(["RUB", "UZS"]))},
        optional={"rate": maybe(st.sampled_from(["151.40", "1", "0"]))}), max_size=3)),
    "envelopes": maybe(st.dictionaries(
        st.sampled_from(["district", "mahalla", "association", "region"]),
        maybe(amount_strings | st.none()), max_size=3)),
    "category": maybe(st.sampled_from(["school", "road"])),
}  # fmt: skip
near_valid = st.one_of(
    st.fixed_dictionaries({"cost": maybe(amount_strings), "rules": maybe(rules_objects)},
                          optional=request_fields),
    st.fixed_dictionaries({"cost": maybe(amount_strings),
                           "scheme": maybe(st.sampled_from(["known", "unknown", "junk"]))},
                          optional={**request_fields, "rules": junk}),
)  # fmt: skip


def make_resolver(stored):
    def resolve(code):
        if code == "known":
            return {"currency": "UZS", "parties": [{"role": "association", "weight": "1"},
                                                   {"role": "district", "weight": "1"}]}  # fmt: skip
        if code == "junk":
            return stored
        raise KeyError(code)

    return resolve


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.one_of(junk, near_valid), junk)
def test_junk_input_raises_only_rules_error(data, stored):
    try:
        out = preview(data, make_resolver(stored))
    except RulesError as error:
        assert error.errors
        assert all(isinstance(path, str) for path in error.errors)
        assert all(isinstance(m, str) for messages in error.errors.values() for m in messages)
    else:
        assert isinstance(out, dict) and set(out) >= {"targets", "matches", "steps", "leverage"}


@settings(max_examples=300, deadline=None)
@given(junk)
def test_parse_preview_without_a_resolver_raises_only_rules_error(data):
    try:
        parse_preview(data)
    except RulesError:
        pass
