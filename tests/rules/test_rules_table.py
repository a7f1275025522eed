"""The match arithmetic, case by case (DOMAIN.md "Match rules"). No database, no Django."""

import ast
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest

from matching import rules as rules_module
from matching import rules_input
from matching.rules import (
    Party,
    Rules,
    RulesError,
    Step,
    compute_match,
    convert,
    format_amount,
    minor_unit,
    quantize,
)
from matching.rules_input import preview

D = Decimal


def make_rules(currency, parties, **options):
    """parties: (role, weight) or (role, weight, {option: value}) tuples."""
    built = []
    for role, weight, *extra in parties:
        opts = dict(extra[0]) if extra else {}
        if "cap" in opts:
            opts["cap"] = D(opts["cap"])
        if "category_weights" in opts:
            opts["category_weights"] = {k: D(v) for k, v in opts["category_weights"].items()}
        built.append(Party(role=role, weight=D(weight), **opts))
    for name in ("max_project_cost", "max_public_share"):
        if name in options:
            options[name] = D(options[name])
    return Rules(currency=currency, parties=tuple(built), **options)


ONE_BY_ONE = [("association", "1"), ("district", "1")]
THREE_BY_ONE = [("association", "1"), ("mahalla", "1"), ("district", "1"), ("region", "1")]
ZACATECAS = [("association", "25"), ("state", "40"), ("municipality", "35")]
FOUR_BY_ONE = [
    ("association", "1"), ("national", "1"), ("state", "1"), ("municipal", "1"), ("sponsor", "1"),
]  # fmt: skip

CASES = [
    dict(
        _case="1x1 DOMAIN.md example: 30,280,000 received, only the association target is matched",
        currency="UZS", parties=ONE_BY_ONE, cost="40000000.00", received="30280000.00",
        targets={"association": "20000000.00", "district": "20000000.00"},
        effective="20000000.00", matches={"district": "20000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="1.00",
    ),
    dict(
        _case="1x1 partly received",
        currency="UZS", parties=ONE_BY_ONE, cost="40000000.00", received="5000000.00",
        targets={"association": "20000000.00", "district": "20000000.00"},
        effective="5000000.00", matches={"district": "5000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="1.00",
    ),
    dict(
        _case="1x1 nothing received yet",
        currency="UZS", parties=ONE_BY_ONE, cost="40000000.00", received="0",
        targets={"association": "20000000.00", "district": "20000000.00"},
        effective="0.00", matches={"district": "0.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="0.00",
    ),
    dict(
        _case="2x1 by percentages (Zacatecas), fully received",
        currency="MXN", parties=ZACATECAS, cost="1000000.00", received="250000.00",
        targets={"association": "250000.00", "state": "400000.00", "municipality": "350000.00"},
        effective="250000.00", matches={"state": "400000.00", "municipality": "350000.00"},
        bound_by={"state": "share", "municipality": "share"}, gap="0.00", leverage="3.00",
    ),
    dict(
        _case="2x1 by percentages, match rounded down to the minor unit",
        currency="MXN", parties=ZACATECAS, cost="1000000.00", received="100000.01",
        targets={"association": "250000.00", "state": "400000.00", "municipality": "350000.00"},
        effective="100000.01", matches={"state": "160000.01", "municipality": "140000.01"},
        bound_by={"state": "share", "municipality": "share"}, gap="0.00", leverage="3.00",
    ),
    dict(
        _case="3x1, fully received",
        currency="UZS", parties=THREE_BY_ONE, cost="100000000.00", received="25000000.00",
        targets={"association": "25000000.00", "mahalla": "25000000.00",
                 "district": "25000000.00", "region": "25000000.00"},
        effective="25000000.00",
        matches={"mahalla": "25000000.00", "district": "25000000.00", "region": "25000000.00"},
        bound_by={"mahalla": "share", "district": "share", "region": "share"},
        gap="0.00", leverage="3.00",
    ),
    dict(
        _case="4x1 with a private sponsor",
        currency="MXN", parties=FOUR_BY_ONE, cost="5000000.00", received="1000000.00",
        targets={"association": "1000000.00", "national": "1000000.00", "state": "1000000.00",
                 "municipal": "1000000.00", "sponsor": "1000000.00"},
        effective="1000000.00",
        matches={"national": "1000000.00", "state": "1000000.00", "municipal": "1000000.00",
                 "sponsor": "1000000.00"},
        bound_by={"national": "share", "state": "share", "municipal": "share", "sponsor": "share"},
        gap="0.00", leverage="4.00",
    ),
    dict(
        _case="cap on a co-funder opens a gap and binds its match",
        currency="UZS", parties=[("association", "1"), ("district", "1", {"cap": "15000000.00"})],
        cost="40000000.00", received="20000000.00",
        targets={"association": "20000000.00", "district": "15000000.00"},
        effective="20000000.00", matches={"district": "15000000.00"},
        bound_by={"district": "cap"}, gap="5000000.00", leverage="0.75",
    ),
    dict(
        _case="cap that does not bind the match when little is received",
        currency="UZS", parties=[("association", "1"), ("district", "1", {"cap": "15000000.00"})],
        cost="40000000.00", received="10000000.00",
        targets={"association": "20000000.00", "district": "15000000.00"},
        effective="10000000.00", matches={"district": "10000000.00"},
        bound_by={"district": "share"}, gap="5000000.00", leverage="1.00",
    ),
    dict(
        _case="cap on the association limits the effective contribution",
        currency="UZS", parties=[("association", "1", {"cap": "10000000.00"}), ("district", "1")],
        cost="40000000.00", received="30000000.00",
        targets={"association": "10000000.00", "district": "20000000.00"},
        effective="10000000.00", matches={"district": "10000000.00"},
        bound_by={"district": "share"}, gap="10000000.00", leverage="1.00",
    ),
    dict(
        _case="envelope smaller than the match binds",
        currency="UZS", parties=THREE_BY_ONE, cost="100000000.00", received="25000000.00",
        envelopes={"district": "5000000.00", "region": None},
        targets={"association": "25000000.00", "mahalla": "25000000.00",
                 "district": "25000000.00", "region": "25000000.00"},
        effective="25000000.00",
        matches={"mahalla": "25000000.00", "district": "5000000.00", "region": "25000000.00"},
        bound_by={"mahalla": "share", "district": "envelope", "region": "share"},
        gap="0.00", leverage="2.20",
    ),
    dict(
        _case="envelope equal to the match does not count as binding",
        currency="UZS", parties=ONE_BY_ONE, cost="40000000.00", received="20000000.00",
        envelopes={"district": "20000000.00"},
        targets={"association": "20000000.00", "district": "20000000.00"},
        effective="20000000.00", matches={"district": "20000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="1.00",
    ),
    dict(
        _case="empty envelope gives nothing",
        currency="UZS", parties=ONE_BY_ONE, cost="40000000.00", received="20000000.00",
        envelopes={"district": "0.00"},
        targets={"association": "20000000.00", "district": "20000000.00"},
        effective="20000000.00", matches={"district": "0.00"},
        bound_by={"district": "envelope"}, gap="0.00", leverage="0.00",
    ),
    dict(
        _case="envelope equal to a cap below the formula: the cap is named",
        currency="UZS", parties=[("association", "1"), ("district", "1", {"cap": "15000000.00"})],
        cost="40000000.00", received="20000000.00", envelopes={"district": "15000000.00"},
        targets={"association": "20000000.00", "district": "15000000.00"},
        effective="20000000.00", matches={"district": "15000000.00"},
        bound_by={"district": "cap"}, gap="5000000.00", leverage="0.75",
    ),
    dict(
        _case="public-share ceiling 70% of a 3x1: the 5,000,000 cut becomes gap",
        currency="UZS", parties=THREE_BY_ONE, max_public_share="0.70",
        cost="100000000.00", received="25000000.00",
        targets={"association": "25000000.00", "mahalla": "23333333.33",
                 "district": "23333333.33", "region": "23333333.34"},
        effective="25000000.00",
        matches={"mahalla": "23333333.33", "district": "23333333.33", "region": "23333333.34"},
        bound_by={"mahalla": "public_share", "district": "public_share", "region": "public_share"},
        gap="5000000.00", leverage="2.80",
    ),
    dict(
        _case="public-share ceiling that does not bind the match when little is received",
        currency="UZS", parties=THREE_BY_ONE, max_public_share="0.70",
        cost="100000000.00", received="10000000.00",
        targets={"association": "25000000.00", "mahalla": "23333333.33",
                 "district": "23333333.33", "region": "23333333.34"},
        effective="10000000.00",
        matches={"mahalla": "10000000.00", "district": "10000000.00", "region": "10000000.00"},
        bound_by={"mahalla": "share", "district": "share", "region": "share"},
        gap="5000000.00", leverage="3.00",
    ),
    dict(
        _case="public-share ceiling at or above the public targets cuts nothing",
        currency="UZS", parties=THREE_BY_ONE, max_public_share="0.75",
        cost="100000000.00", received="25000000.00",
        targets={"association": "25000000.00", "mahalla": "25000000.00",
                 "district": "25000000.00", "region": "25000000.00"},
        effective="25000000.00",
        matches={"mahalla": "25000000.00", "district": "25000000.00", "region": "25000000.00"},
        bound_by={"mahalla": "share", "district": "share", "region": "share"},
        gap="0.00", leverage="3.00",
    ),
    dict(
        _case="public-share cut larger than a capped party's target moves to the others",
        currency="USD", max_public_share="0.2",
        parties=[("association", "1"), ("district", "1", {"cap": "10.00"}), ("sponsor", "1")],
        cost="300.00", received="100.00",
        targets={"association": "100.00", "district": "0.00", "sponsor": "60.00"},
        effective="100.00", matches={"district": "0.00", "sponsor": "60.00"},
        bound_by={"district": "public_share", "sponsor": "public_share"},
        gap="140.00", leverage="0.60",
    ),
    dict(
        _case="public-share cut in proportion to unequal weights",
        currency="MXN", parties=ZACATECAS, max_public_share="0.5",
        cost="1000.00", received="250.00",
        targets={"association": "250.00", "state": "266.67", "municipality": "233.33"},
        effective="250.00", matches={"state": "266.67", "municipality": "233.33"},
        bound_by={"state": "public_share", "municipality": "public_share"},
        gap="250.00", leverage="2.00",
    ),
    dict(
        _case="rounding: 100.00 in three ways is 33.34/33.33/33.33, the tie to the first listed",
        currency="USD", parties=[("association", "1"), ("mahalla", "1"), ("district", "1")],
        cost="100.00", received="33.34",
        targets={"association": "33.34", "mahalla": "33.33", "district": "33.33"},
        effective="33.34", matches={"mahalla": "33.33", "district": "33.33"},
        bound_by={"mahalla": "share", "district": "share"}, gap="0.00", leverage="2.00",
    ),
    dict(
        _case="rounding: the tie goes to the first listed even if it is a co-funder",
        currency="USD", parties=[("district", "1"), ("association", "1"), ("mahalla", "1")],
        cost="100.00", received="100.00",
        targets={"district": "33.34", "association": "33.33", "mahalla": "33.33"},
        effective="33.33", matches={"district": "33.33", "mahalla": "33.33"},
        bound_by={"district": "share", "mahalla": "share"}, gap="0.00", leverage="2.00",
    ),
    dict(
        _case="rounding: the largest remainder wins over the first listed",
        currency="USD", parties=[("district", "2"), ("association", "1")],
        cost="0.05", received="0.05",
        targets={"district": "0.03", "association": "0.02"},
        effective="0.02", matches={"district": "0.03"},
        bound_by={"district": "share"}, gap="0.00", leverage="1.50",
    ),
    dict(
        _case="rounding: cost 0.01 in three ways",
        currency="USD", parties=[("association", "1"), ("mahalla", "1"), ("district", "1")],
        cost="0.01", received="0.01",
        targets={"association": "0.01", "mahalla": "0.00", "district": "0.00"},
        effective="0.01", matches={"mahalla": "0.00", "district": "0.00"},
        bound_by={"mahalla": "share", "district": "share"}, gap="0.00", leverage="0.00",
    ),
    dict(
        _case="rounding: leverage is rounded half-up (0.505 -> 0.51)",
        currency="USD", parties=ONE_BY_ONE, cost="4.00", received="2.00",
        envelopes={"district": "1.01"},
        targets={"association": "2.00", "district": "2.00"},
        effective="2.00", matches={"district": "1.01"},
        bound_by={"district": "envelope"}, gap="0.00", leverage="0.51",
    ),
    dict(
        _case="minor unit 0: JPY 1001 split 501/500",
        currency="JPY", parties=ONE_BY_ONE, cost="1001", received="1001",
        targets={"association": "501", "district": "500"},
        effective="501", matches={"district": "500"},
        bound_by={"district": "share"}, gap="0", leverage="1.00",
    ),
    dict(
        _case="minor unit 3: KWD 1.000 in three ways",
        currency="KWD", parties=[("association", "1"), ("mahalla", "1"), ("district", "1")],
        cost="1.000", received="0.125",
        targets={"association": "0.334", "mahalla": "0.333", "district": "0.333"},
        effective="0.125", matches={"mahalla": "0.125", "district": "0.125"},
        bound_by={"mahalla": "share", "district": "share"}, gap="0.000", leverage="2.00",
    ),
    dict(
        _case="category weights: a school doubles the district's weight",
        currency="UZS", category="school",
        parties=[("association", "1"), ("district", "1", {"category_weights": {"school": "2"}})],
        cost="90000000.00", received="30000000.00",
        targets={"association": "30000000.00", "district": "60000000.00"},
        effective="30000000.00", matches={"district": "60000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="2.00",
    ),
    dict(
        _case="category weights: another category keeps the general weights",
        currency="UZS", category="road",
        parties=[("association", "1"), ("district", "1", {"category_weights": {"school": "2"}})],
        cost="90000000.00", received="30000000.00",
        targets={"association": "45000000.00", "district": "45000000.00"},
        effective="30000000.00", matches={"district": "30000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="1.00",
    ),
    dict(
        _case="category weights apply to the association too",
        currency="UZS", category="road",
        parties=[("association", "1", {"category_weights": {"road": "2"}}), ("district", "1")],
        cost="90000000.00", received="60000000.00",
        targets={"association": "60000000.00", "district": "30000000.00"},
        effective="60000000.00", matches={"district": "30000000.00"},
        bound_by={"district": "share"}, gap="0.00", leverage="0.50",
    ),
]


def _compute(case):
    """compute_match on one row of CASES."""
    options = {name: case[name] for name in
               ("max_project_cost", "max_public_share", "eligible_categories") if name in case}
    rules = make_rules(case["currency"], case["parties"], **options)
    envelopes = {
        role: None if value is None else D(value)
        for role, value in case.get("envelopes", {}).items()
    }
    return compute_match(
        rules, cost=D(case["cost"]), received=D(case["received"]),
        category=case.get("category"), envelopes=envelopes,
    )  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["_case"] for c in CASES])
def test_compute_match(case):
    # when
    result = _compute(case)
    out = result.to_dict()

    # then
    assert out["targets"] == case["targets"]
    assert list(out["targets"]) == [p[0] for p in case["parties"]]
    assert out["effective_contribution"] == case["effective"]
    assert out["matches"] == case["matches"]
    assert out["bound_by"] == case["bound_by"]
    assert out["gap"] == case["gap"]
    assert out["leverage"] == case["leverage"]
    assert result.leverage == D(case["leverage"])
    assert result.gap == result.cost - sum(result.targets.values())
    assert len(out["steps"]) >= 4 and all(isinstance(s, str) for s in out["steps"])


CONTRACT_REQUEST = {
    "rules": {
        "currency": "UZS",
        "parties": [
            {"role": "association", "weight": "1"},
            {"role": "district", "weight": "1", "cap": "50000000.00"},
        ],
        "max_project_cost": "900000000.00",
        "max_public_share": "0.75",
    },
    "cost": "40000000.00",
    "received": "12000000.00",
    "receipts": [{"amount": "100000.00", "currency": "RUB", "rate": "151.40"}],
    "envelopes": {"district": "10000000.00"},
}


def test_contract_example_gives_the_documented_output():
    out = preview(CONTRACT_REQUEST)

    steps = out.pop("steps")
    assert out == {
        "currency": "UZS",
        "cost": "40000000.00",
        "targets": {"association": "20000000.00", "district": "20000000.00"},
        "received": "27140000.00",
        "effective_contribution": "20000000.00",
        "matches": {"district": "10000000.00"},
        "bound_by": {"district": "envelope"},
        "gap": "0.00",
        "leverage": "0.50",
    }
    assert (
        "district owes 20000000.00 × 1/1 = 20000000.00, limited by its remaining envelope "
        "10000000.00 → 10000000.00." in steps
    )
    assert steps[0] == (
        "Eligible cost 40000000.00 UZS is split by weights association 1, district 1 "
        "(shares 50%, 50%)."
    )
    assert (
        "Received 27140000.00 UZS; effective contribution is the smaller of that and the "
        "association target: 20000000.00." in steps
    )


def test_domain_example_through_the_preview_contract():
    request = {
        "rules": {"currency": "UZS", "parties": [
            {"role": "association", "weight": "1"}, {"role": "district", "weight": "1"}]},
        "cost": "40000000.00",
        "receipts": [{"amount": "200000.00", "currency": "RUB", "rate": "151.40"}],
    }  # fmt: skip

    out = preview(request)

    assert out["received"] == "30280000.00"
    assert out["targets"] == {"association": "20000000.00", "district": "20000000.00"}
    assert out["effective_contribution"] == "20000000.00"
    assert out["matches"] == {"district": "20000000.00"}
    assert out["leverage"] == "1.00"


def test_steps_name_each_limit():
    rules = make_rules(
        "UZS", [("association", "1"), ("district", "1", {"cap": "15000000.00"}), ("region", "1")],
        max_public_share="0.3",
    )  # fmt: skip
    steps = [s.render() for s in compute_match(
        rules, cost=D("60000000.00"), received=D("20000000.00")).steps]  # fmt: skip

    assert "The cap of district, 15000000.00 UZS, cuts its target from 20000000.00 to 15000000.00." in steps  # fmt: skip
    assert any("above the public-share ceiling of 18000000.00 (30% of the cost)" in s for s in steps)
    assert any(s.startswith("The public-share ceiling cuts the target of region") for s in steps)
    assert steps[-2].startswith("Funding gap: ")
    assert steps[-1].startswith("Leverage: ")


def test_steps_are_translated_by_msgid_with_the_numbers_kept():
    catalogue = {"Target of %(role)s: %(amount)s %(currency)s (share).":
                 "Ulush %(role)s: %(amount)s %(currency)s."}  # fmt: skip
    rules = make_rules("UZS", ONE_BY_ONE)
    result = compute_match(rules, cost=D("40000000.00"), received=D("0"))

    out = result.to_dict(translate=lambda s: catalogue.get(s, s))

    assert "Ulush district: 20000000.00 UZS." in out["steps"]
    assert Step("Hello %(name)s.", {"name": "x"}).render(lambda s: "Salom %(name)s.") == "Salom x."


def _marked_messages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_"
        and node.args and isinstance(node.args[0], ast.Constant)
    }  # fmt: skip


def test_every_step_template_is_a_marked_msgid():
    marked = _marked_messages(Path(rules_module.__file__))
    templates = set()
    for case in CASES:
        templates |= {step.template for step in _compute(case).steps}

    assert templates <= marked
    assert len(templates) >= 8


def test_rules_module_imports_no_django():
    for module in ("rules.py", "rules_types.py", "rules_input.py", "currencies.py"):
        tree = ast.parse((Path(rules_module.__file__).parent / module).read_text())
        names = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for alias in node.names]  # fmt: skip
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        assert not [n for n in names if n.split(".")[0] == "django"]


@pytest.mark.parametrize(
    "_case, amount, currency, expected",
    [
        ("two places", "20000000", "UZS", "20000000.00"),
        ("zero places", "1500", "JPY", "1500"),
        ("zero places, rounded half-up", "1500.5", "JPY", "1501"),
        ("three places", "1.25", "KWD", "1.250"),
        ("three places, half-up", "0.0005", "BHD", "0.001"),
        ("zero is never negative", "-0.001", "USD", "0.00"),
    ],
)
def test_format_amount(_case, amount, currency, expected):
    assert format_amount(D(amount), currency) == expected


@pytest.mark.parametrize(
    "_case, amount, rate, currency, expected",
    [
        ("DOMAIN.md receipt", "200000.00", "151.40", "UZS", "30280000.00"),
        ("contract receipt", "100000.00", "151.40", "UZS", "15140000.00"),
        ("half-up", "0.05", "0.1", "USD", "0.01"),
        ("to zero places", "10.00", "149.35", "JPY", "1494"),
        ("to three places", "100.00", "0.30745", "KWD", "30.745"),
        ("big amount, small rate, exact before rounding", "999999999999.99", "0.000012345678",
         "USD", "12345678.00"),
    ],
)
def test_convert(_case, amount, rate, currency, expected):
    assert format_amount(convert(D(amount), D(rate), currency), currency) == expected
    assert convert(D(amount), D(rate), currency) == D(expected)


@pytest.mark.parametrize(
    "currency, places",
    [("UZS", 2), ("TJS", 2), ("KGS", 2), ("KZT", 2), ("RUB", 2), ("USD", 2), ("EUR", 2),
     ("GBP", 2), ("TRY", 2), ("CNY", 2), ("AED", 2), ("JPY", 0), ("KRW", 0), ("BHD", 3),
     ("KWD", 3), ("JOD", 3), ("OMR", 3), ("TND", 3), ("IQD", 3), ("LYD", 3)],
)  # fmt: skip
def test_minor_unit(currency, places):
    assert minor_unit(currency) == places


def test_unknown_currency_is_refused():
    with pytest.raises(ValueError):
        minor_unit("XYZ")


def test_quantize_takes_a_rounding_mode():
    assert quantize(D("1.999"), "USD", rounding=ROUND_DOWN) == D("1.99")
    assert quantize(D("1.995"), "USD") == D("2.00")


def test_weight_of_prefers_the_category_weight():
    rules = make_rules("UZS", [("association", "1"),
                               ("district", "1", {"category_weights": {"school": "2"}})])  # fmt: skip
    district = rules.parties[1]

    assert rules.weight_of(district, "school") == D("2")
    assert rules.weight_of(district, "road") == D("1")
    assert rules.weight_of(district, None) == D("1")
    assert rules.weight_of("district", "school") == D("2")


@pytest.mark.parametrize(
    "_case, kwargs, field",
    [
        ("zero cost", dict(cost=D("0"), received=D("0")), "cost"),
        ("negative received", dict(cost=D("1.00"), received=D("-1")), "received"),
        ("cost above the maximum", dict(cost=D("1000.01"), received=D("0")), "cost"),
        ("cost with too many decimals", dict(cost=D("1.001"), received=D("0")), "cost"),
        ("ineligible category", dict(cost=D("1.00"), received=D("0"), category="road"), "category"),
        ("envelope of an unknown role",
         dict(cost=D("1.00"), received=D("0"), envelopes={"region": D("1")}), "envelopes.region"),
        ("negative envelope",
         dict(cost=D("1.00"), received=D("0"), envelopes={"district": D("-1")}), "envelopes.district"),
    ],
)  # fmt: skip
def test_compute_match_refuses_invalid_input(_case, kwargs, field):
    rules = make_rules("USD", ONE_BY_ONE, max_project_cost="1000.00",
                       eligible_categories=frozenset({"school"}))  # fmt: skip

    with pytest.raises(RulesError) as error:
        compute_match(rules, **kwargs)

    assert field in error.value.errors


@pytest.mark.parametrize(
    "_case, build, field",
    [
        ("no association", lambda: make_rules("USD", [("mahalla", "1"), ("district", "1")]), "parties"),
        ("two associations", lambda: make_rules("USD", [("association", "1"), ("association", "1"),
                                                         ("district", "1")]), "parties[1].role"),
        ("no co-funder", lambda: make_rules("USD", [("association", "1")]), "parties"),
        ("zero weight", lambda: make_rules("USD", [("association", "1"), ("district", "0")]),
         "parties[1].weight"),
        ("unknown currency", lambda: make_rules("XYZ", ONE_BY_ONE), "currency"),
        ("public share above 1", lambda: make_rules("USD", ONE_BY_ONE, max_public_share="1.01"),
         "max_public_share"),
        ("negative cap", lambda: make_rules("USD", [("association", "1"),
                                                    ("district", "1", {"cap": "-1"})]), "parties[1].cap"),
    ],
)  # fmt: skip
def test_rules_refuse_to_be_built_invalid(_case, build, field):
    with pytest.raises(RulesError) as error:
        build()

    assert field in error.value.errors


@pytest.mark.parametrize(
    "_case, total, shares, currency, expected",
    [
        ("three equal tranches", "100.00", ["1", "1", "1"], "USD", ["33.34", "33.33", "33.33"]),
        ("by percentage", "1000", ["30", "30", "40"], "JPY", ["300", "300", "400"]),
        ("largest remainder first", "0.05", ["2", "1"], "USD", ["0.03", "0.02"]),
        ("three places", "1.000", ["1", "2"], "KWD", ["0.333", "0.667"]),
        ("nothing to split", "0", ["1", "1"], "USD", ["0.00", "0.00"]),
    ],
)
def test_split_adds_up_to_the_total(_case, total, shares, currency, expected):
    parts = rules_module.split(D(total), [D(s) for s in shares], currency)

    assert [format_amount(p, currency) for p in parts] == expected
    assert sum(parts) == D(total)


@pytest.mark.parametrize(
    "_case, total, shares, field",
    [
        ("no shares", "1.00", [], "shares"),
        ("zero share", "1.00", ["1", "0"], "shares[1]"),
        ("too precise total", "1.001", ["1"], "total"),
    ],
)
def test_split_refuses_invalid_input(_case, total, shares, field):
    with pytest.raises(RulesError) as error:
        rules_module.split(D(total), [D(s) for s in shares], "USD")

    assert field in error.value.errors


def test_rules_from_dict_reads_the_stored_form():
    rules = rules_input.rules_from_dict({
        "currency": "UZS", "max_public_share": "0.7",
        "parties": [{"role": "association", "weight": "1"}, {"role": "district", "weight": "1"}],
    })  # fmt: skip

    assert rules.currency == "UZS"
    assert rules.max_public_share == D("0.7")
    assert [p.role for p in rules.parties] == ["association", "district"]


@pytest.mark.parametrize(
    "_case, data, field",
    [
        ("not an object", [], "non_field_errors"),
        ("no association", {"currency": "UZS", "parties": [{"role": "district", "weight": "1"}]},
         "parties"),
        ("bad weight", {"currency": "UZS", "parties": [{"role": "association", "weight": "1"},
                                                       {"role": "district", "weight": 1.5}]},
         "parties[1].weight"),
    ],
)  # fmt: skip
def test_rules_from_dict_names_the_field(_case, data, field):
    with pytest.raises(RulesError) as error:
        rules_input.rules_from_dict(data)

    assert field in error.value.errors


@pytest.mark.parametrize(
    "value, places, expected",
    [("1.00", 2, None), ("1.001", 2, "Too many decimal places for the currency."),
     ("NaN", 2, "Not a valid decimal number."), (D("1.5"), 0, "Too many decimal places for the currency."),
     (1.5, 2, "Expected a decimal amount."), ("-1", 2, "Must not be negative.")],
)  # fmt: skip
def test_amount_error_reads_decimals_and_strings(value, places, expected):
    from matching.currencies import amount_error

    assert amount_error(value, places) == expected
