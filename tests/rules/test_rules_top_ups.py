"""Top-ups and the association's raise (DOMAIN.md "Match rules", step 4): case by case, then
properties for any scheme. No database, no Django."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matching.rules import ASSOCIATION, RulesError, TopUp, compute_match, minor_unit, split

from .test_rules_properties import amounts, projects
from .test_rules_table import make_rules

D = Decimal
CAPPED_1X1 = [("association", "1"), ("district", "1", {"cap": "15000000.00"})]

CASES = [
    dict(
        _case="a region's top-up covers the gap a cap opened, paid in step with the association",
        parties=CAPPED_1X1, cost="40000000.00", received="10000000.00",
        top_ups=[("top_up_7", "5000000.00")],
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "10000000.00"}, top_up_matches={"top_up_7": "2500000.00"},
        owed_association="10000000.00", gap="0.00", leverage="1.25",
        bound_by={"district": "share", "top_up_7": "top_up"},
    ),
    dict(
        _case="fully received: the top-up is matched whole, and every target is met",
        parties=CAPPED_1X1, cost="40000000.00", received="20000000.00",
        top_ups=[("top_up_7", "5000000.00")],
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "15000000.00"}, top_up_matches={"top_up_7": "5000000.00"},
        owed_association="20000000.00", gap="0.00", leverage="1.00",
        bound_by={"district": "cap", "top_up_7": "top_up"},
    ),
    dict(
        _case="the association raises its share by the gap: its target grows, the raise is "
              "not matched",
        parties=CAPPED_1X1, cost="40000000.00", received="24000000.00", raised="5000000.00",
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "15000000.00"}, top_up_matches={},
        owed_association="24000000.00", gap="0.00", leverage="0.75",
        bound_by={"district": "cap"},
    ),
    dict(
        _case="a top-up and a raise share the gap",
        parties=CAPPED_1X1, cost="40000000.00", received="0", raised="2000000.00",
        top_ups=[("top_up_1", "3000000.00")],
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "0.00"}, top_up_matches={"top_up_1": "0.00"},
        owed_association="0.00", gap="0.00", leverage="0.00",
        bound_by={"district": "share", "top_up_1": "top_up"},
    ),
    dict(
        _case="a top-up smaller than the gap leaves the rest of it",
        parties=CAPPED_1X1, cost="40000000.00", received="0",
        top_ups=[("top_up_1", "1000000.00")],
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "0.00"}, top_up_matches={"top_up_1": "0.00"},
        owed_association="0.00", gap="4000000.00", leverage="0.00",
        bound_by={"district": "share", "top_up_1": "top_up"},
    ),
    dict(
        _case="a top-up's remaining envelope limits its match",
        parties=CAPPED_1X1, cost="40000000.00", received="20000000.00",
        top_ups=[("top_up_1", "5000000.00")], envelopes={"top_up_1": "4000000.00"},
        targets={"association": "20000000.00", "district": "15000000.00"},
        matches={"district": "15000000.00"}, top_up_matches={"top_up_1": "4000000.00"},
        owed_association="20000000.00", gap="0.00", leverage="0.95",
        bound_by={"district": "cap", "top_up_1": "envelope"},
    ),
    dict(
        _case="a sponsor covers the cut of the public-share ceiling",
        parties=[("association", "1"), ("mahalla", "1"), ("district", "1"), ("region", "1")],
        max_public_share="0.70", cost="100000000.00", received="25000000.00",
        top_ups=[("top_up_2", "5000000.00")],
        targets={"association": "25000000.00", "mahalla": "23333333.33",
                 "district": "23333333.33", "region": "23333333.34"},
        matches={"mahalla": "23333333.33", "district": "23333333.33", "region": "23333333.34"},
        top_up_matches={"top_up_2": "5000000.00"},
        owed_association="25000000.00", gap="0.00", leverage="3.00",
        bound_by={"mahalla": "public_share", "district": "public_share",
                  "region": "public_share", "top_up_2": "top_up"},
    ),
]


def _compute(case):
    options = {k: case[k] for k in ("max_public_share",) if k in case}
    rules = make_rules("UZS", case["parties"], **options)
    return compute_match(
        rules, cost=D(case["cost"]), received=D(case["received"]),
        envelopes={k: D(v) for k, v in case.get("envelopes", {}).items()},
        top_ups=[TopUp(role, D(amount), f"Funder of {role}")
                 for role, amount in case.get("top_ups", [])],
        raised=D(case.get("raised", "0")))


@pytest.mark.parametrize("case", CASES, ids=[c["_case"] for c in CASES])
def test_top_ups(case):
    result = _compute(case)
    out = result.to_dict()

    assert out["targets"] == case["targets"]
    assert out["matches"] == case["matches"]
    assert out["top_up_matches"] == case["top_up_matches"]
    assert out["bound_by"] == case["bound_by"]
    assert out["gap"] == case["gap"]
    assert out["leverage"] == case["leverage"]
    assert result.owed()[ASSOCIATION] == D(case["owed_association"])
    # what set each target: the cap or the ceiling that opened the gap
    assert result.target_limits[ASSOCIATION] == "share"
    assert set(result.target_limits.values()) - {"share"} <= {"cap", "public_share"}
    assert ("cap" in result.target_limits.values()) == (case["parties"] is CAPPED_1X1)
    covered = sum((D(a) for _r, a in case.get("top_ups", [])), D(0)) + D(case.get("raised", "0"))
    assert out["raised"] == f"{D(case.get('raised', '0')):.2f}"
    assert sum(result.targets.values()) + covered + result.gap == result.cost
    assert result.commitment_targets()[ASSOCIATION] == \
        result.targets[ASSOCIATION] + result.raised
    steps = " ".join(out["steps"])
    for role, _amount in case.get("top_ups", []):
        assert f"Top-up by Funder of {role}" in steps  # the funder is named in the explanation
    if case.get("raised"):
        assert "the raise is not matched" in steps
    assert out["steps"][-2].startswith("Funding gap: ") and "top-ups" in out["steps"][-2]


@pytest.mark.parametrize("_case, top_ups, raised, path", [
    ("top-ups beyond the gap", [("top_up_1", "4000000.00")], "2000000.00", "top_ups"),
    ("a top-up where there is no gap", [("top_up_1", "1.00")], "0", "top_ups"),
    ("a top-up under a party's role", [("district", "1.00")], "0", "top_ups[0].role"),
    ("two top-ups under one role", [("t", "1.00"), ("t", "1.00")], "0", "top_ups[1].role"),
    ("a top-up of nothing", [("top_up_1", "0")], "0", "top_ups[0].amount"),
    ("a top-up below the minor unit", [("top_up_1", "0.001")], "0", "top_ups[0].amount"),
    ("a negative raise", [], "-1.00", "raised"),
])
def test_bad_top_ups_are_refused_with_their_field(_case, top_ups, raised, path):
    parties = CAPPED_1X1 if "no gap" not in _case else [("association", "1"), ("district", "1")]
    rules = make_rules("UZS", parties)
    with pytest.raises(RulesError) as caught:
        compute_match(rules, cost=D("40000000.00"), received=D("0"),
                      top_ups=[TopUp(r, D(a)) for r, a in top_ups], raised=D(raised))
    assert path in caught.value.errors


def test_the_contract_is_unchanged_without_top_ups():
    rules = make_rules("UZS", CAPPED_1X1)
    out = compute_match(rules, cost=D("40000000.00"), received=D("0")).to_dict()
    assert not {"top_ups", "top_up_matches", "raised"} & set(out)


# --- properties ----------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

@st.composite
def covered_projects(draw):
    """A project of any scheme with a gap, and top-ups plus a raise that cover all of it or
    part of it."""
    rules, inputs = draw(projects())
    gap = compute_match(rules, **inputs).gap
    assume(gap > 0)
    places = minor_unit(rules.currency)
    gap_units = int(gap.scaleb(places))
    cover = gap if draw(st.booleans()) else \
        Decimal(draw(st.integers(1, gap_units))).scaleb(-places)
    weights = draw(st.lists(st.integers(0, 5), min_size=2, max_size=4).filter(any))
    *parts, raised = split(cover, [Decimal(w) or Decimal("0.001") for w in weights],
                           rules.currency)
    top_ups = [TopUp(f"top_up_{i}", amount) for i, amount in enumerate(parts) if amount > 0]
    for top_up in top_ups:
        if draw(st.booleans()):
            inputs["envelopes"][top_up.role] = draw(amounts(rules.currency))
    return rules, inputs, top_ups, raised, gap


@SETTINGS
@given(covered_projects())
def test_targets_and_top_ups_add_up_to_the_cost(project):
    rules, inputs, top_ups, raised, gap_before = project

    result = compute_match(rules, **inputs, top_ups=top_ups, raised=raised)

    covered = sum((t.amount for t in top_ups), Decimal(0)) + raised
    assert sum(result.targets.values()) + covered + result.gap == inputs["cost"]
    assert sum(result.commitment_targets().values()) + result.gap == inputs["cost"]
    assert result.gap == gap_before - covered >= 0
    if covered == gap_before:
        assert result.gap == 0  # no gap remains when the top-ups cover it


@SETTINGS
@given(covered_projects())
def test_nothing_is_matched_on_the_associations_raise(project):
    rules, inputs, top_ups, raised, _gap = project

    with_raise = compute_match(rules, **inputs, top_ups=top_ups, raised=raised)
    without = compute_match(rules, **inputs, top_ups=top_ups)

    assert with_raise.matches == without.matches
    assert with_raise.top_up_matches == without.top_up_matches
    assert with_raise.effective_contribution == without.effective_contribution \
        == min(inputs["received"], with_raise.targets[ASSOCIATION])
    assert with_raise.leverage == without.leverage
    assert with_raise.owed()[ASSOCIATION] == min(
        inputs["received"], with_raise.targets[ASSOCIATION] + raised)


@SETTINGS
@given(covered_projects())
def test_a_top_up_never_pays_more_than_its_amount_envelope_or_share_of_the_money_in(project):
    rules, inputs, top_ups, raised, _gap = project

    result = compute_match(rules, **inputs, top_ups=top_ups, raised=raised)
    plain = compute_match(rules, **{**inputs, "envelopes": {
        role: left for role, left in inputs["envelopes"].items() if role in result.matches}})

    base = result.targets[ASSOCIATION]
    for top_up in top_ups:
        match = result.top_up_matches[top_up.role]
        assert 0 <= match <= top_up.amount
        if inputs["envelopes"].get(top_up.role) is not None:
            assert match <= inputs["envelopes"][top_up.role]
        if base:
            assert match <= top_up.amount * result.effective_contribution / base
        if result.effective_contribution == base and base and \
                inputs["envelopes"].get(top_up.role) is None:
            assert match == top_up.amount  # the association's share is in: paid whole
    # the top-ups change no party's target or match
    assert result.targets == plain.targets and result.matches == plain.matches


def test_every_top_up_step_is_a_marked_msgid():
    from pathlib import Path

    from matching import rules as rules_module

    from .test_rules_table import _marked_messages

    marked = _marked_messages(Path(rules_module.__file__))
    templates = {step.template for case in CASES for step in _compute(case).steps}
    assert templates <= marked
    assert any(t.startswith("Top-up by") for t in templates)
    assert any("raises its own share" in t for t in templates)
