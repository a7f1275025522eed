"""The match-preview input contract: what parse_preview() accepts and the field it blames."""

import copy
from decimal import Decimal

import pytest

from matching.rules import RulesError
from matching.rules_input import parse_preview, preview

D = Decimal


def valid_request():
    return {
        "rules": {
            "currency": "UZS",
            "parties": [
                {"role": "association", "weight": "1"},
                {"role": "district", "weight": "1", "cap": "50000000.00",
                 "category_weights": {"school": "2"}},
                {"role": "mahalla", "weight": "1"},
            ],
            "max_project_cost": "900000000.00",
            "max_public_share": "0.75",
            "eligible_categories": ["school", "road"],
        },
        "cost": "40000000.00",
        "received": "12000000.00",
        "receipts": [{"amount": "100000.00", "currency": "RUB", "rate": "151.40"}],
        "envelopes": {"district": "10000000.00"},
        "category": "school",
    }  # fmt: skip


def _set(path, value):
    """A change to the valid request: set (or, with value DELETE, remove) a dotted path."""

    def change(request):
        *parents, last = path
        node = request
        for key in parents:
            node = node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value

    return change


DELETE = object()
SCHEMES = {"UZ-3x1-2025": valid_request()["rules"]}


def resolve(code):
    return SCHEMES[code]


INVALID = [
    ("no rules and no scheme", _set(["rules"], DELETE), "rules"),
    ("rules not an object", _set(["rules"], ["UZS"]), "rules"),
    ("unknown scheme", lambda r: (r.pop("rules"), r.update(scheme="nope")), "scheme"),
    ("scheme not a string", lambda r: (r.pop("rules"), r.update(scheme=7)), "scheme"),
    ("both rules and scheme", lambda r: r.update(scheme="UZ-3x1-2025"), "scheme"),
    ("missing currency", _set(["rules", "currency"], DELETE), "rules.currency"),
    ("unknown currency", _set(["rules", "currency"], "XYZ"), "rules.currency"),
    ("lower-case currency", _set(["rules", "currency"], "uzs"), "rules.currency"),
    ("currency not a string", _set(["rules", "currency"], 860), "rules.currency"),
    ("parties missing", _set(["rules", "parties"], DELETE), "rules.parties"),
    ("parties not a list", _set(["rules", "parties"], {"association": "1"}), "rules.parties"),
    ("parties empty", _set(["rules", "parties"], []), "rules.parties"),
    ("party not an object", _set(["rules", "parties", 1], "district"), "rules.parties[1]"),
    ("no association", _set(["rules", "parties", 0, "role"], "migrants"), "rules.parties"),
    ("association twice", _set(["rules", "parties", 2, "role"], "association"),
     "rules.parties[2].role"),
    ("duplicate role", _set(["rules", "parties", 2, "role"], "district"), "rules.parties[2].role"),
    ("empty role", _set(["rules", "parties", 1, "role"], " "), "rules.parties[1].role"),
    ("role not a string", _set(["rules", "parties", 1, "role"], 3), "rules.parties[1].role"),
    ("weight missing", _set(["rules", "parties", 1, "weight"], DELETE), "rules.parties[1].weight"),
    ("weight zero", _set(["rules", "parties", 1, "weight"], "0"), "rules.parties[1].weight"),
    ("weight negative", _set(["rules", "parties", 1, "weight"], "-1"), "rules.parties[1].weight"),
    ("weight a JSON float", _set(["rules", "parties", 1, "weight"], 1.5), "rules.parties[1].weight"),
    ("weight a boolean", _set(["rules", "parties", 1, "weight"], True), "rules.parties[1].weight"),
    ("weight not a number", _set(["rules", "parties", 1, "weight"], "one"),
     "rules.parties[1].weight"),
    ("weight absurd", _set(["rules", "parties", 1, "weight"], "99999999"), "rules.parties[1].weight"),
    ("association weight zero", _set(["rules", "parties", 0, "weight"], "0"),
     "rules.parties[0].weight"),
    ("negative cap", _set(["rules", "parties", 1, "cap"], "-1.00"), "rules.parties[1].cap"),
    ("cap with too many decimals", _set(["rules", "parties", 1, "cap"], "1.001"),
     "rules.parties[1].cap"),
    ("cap a float", _set(["rules", "parties", 1, "cap"], 50000000.5), "rules.parties[1].cap"),
    ("category weights not an object", _set(["rules", "parties", 1, "category_weights"], ["school"]),
     "rules.parties[1].category_weights"),
    ("category weight zero", _set(["rules", "parties", 1, "category_weights", "school"], "0"),
     "rules.parties[1].category_weights.school"),
    ("max project cost zero", _set(["rules", "max_project_cost"], "0"), "rules.max_project_cost"),
    ("max project cost NaN", _set(["rules", "max_project_cost"], "NaN"), "rules.max_project_cost"),
    ("max public share zero", _set(["rules", "max_public_share"], "0"), "rules.max_public_share"),
    ("max public share above one", _set(["rules", "max_public_share"], "1.01"),
     "rules.max_public_share"),
    ("max public share a percentage", _set(["rules", "max_public_share"], 75),
     "rules.max_public_share"),
    ("eligible categories not a list", _set(["rules", "eligible_categories"], "school"),
     "rules.eligible_categories"),
    ("eligible categories not strings", _set(["rules", "eligible_categories"], [1]),
     "rules.eligible_categories"),
    ("cost missing", _set(["cost"], DELETE), "cost"),
    ("cost null", _set(["cost"], None), "cost"),
    ("cost zero", _set(["cost"], "0.00"), "cost"),
    ("cost negative", _set(["cost"], "-40000000.00"), "cost"),
    ("cost NaN", _set(["cost"], "NaN"), "cost"),
    ("cost Infinity", _set(["cost"], "Infinity"), "cost"),
    ("cost absurd exponent", _set(["cost"], "1e400"), "cost"),
    ("cost with an exponent", _set(["cost"], "4E7"), "cost"),
    ("cost a JSON float", _set(["cost"], 40000000.0), "cost"),
    ("cost a boolean", _set(["cost"], True), "cost"),
    ("cost a list", _set(["cost"], ["40000000.00"]), "cost"),
    ("cost with spaces", _set(["cost"], " 40000000.00"), "cost"),
    ("cost with a thousands separator", _set(["cost"], "40,000,000.00"), "cost"),
    ("cost in other digits", _set(["cost"], "٤٠٠"), "cost"),
    ("cost with too many decimals", _set(["cost"], "40000000.001"), "cost"),
    ("cost above the maximum", _set(["cost"], "900000000.01"), "cost"),
    ("cost a huge integer", _set(["cost"], 10**400), "cost"),
    ("received negative", _set(["received"], "-1.00"), "received"),
    ("received with too many decimals", _set(["received"], "0.001"), "received"),
    ("received a float", _set(["received"], 12000000.5), "received"),
    ("receipts not a list", _set(["receipts"], {"amount": "1.00"}), "receipts"),
    ("receipt not an object", _set(["receipts", 0], "100000.00 RUB"), "receipts[0]"),
    ("receipt unknown currency", _set(["receipts", 0, "currency"], "RUR"), "receipts[0].currency"),
    ("receipt missing currency", _set(["receipts", 0, "currency"], DELETE), "receipts[0].currency"),
    ("receipt amount missing", _set(["receipts", 0, "amount"], DELETE), "receipts[0].amount"),
    ("receipt amount zero", _set(["receipts", 0, "amount"], "0"), "receipts[0].amount"),
    ("receipt amount a float", _set(["receipts", 0, "amount"], 100000.0), "receipts[0].amount"),
    ("receipt amount too precise for its currency",
     lambda r: r["receipts"][0].update(currency="JPY", amount="100.5"), "receipts[0].amount"),
    ("receipt rate missing for a foreign currency", _set(["receipts", 0, "rate"], DELETE),
     "receipts[0].rate"),
    ("receipt rate zero", _set(["receipts", 0, "rate"], "0"), "receipts[0].rate"),
    ("receipt rate negative", _set(["receipts", 0, "rate"], "-151.40"), "receipts[0].rate"),
    ("receipt rate absurd", _set(["receipts", 0, "rate"], "1e400"), "receipts[0].rate"),
    ("receipt in the scheme currency at another rate",
     lambda r: r["receipts"][0].update(currency="UZS", rate="2"), "receipts[0].rate"),
    ("envelopes not an object", _set(["envelopes"], ["10000000.00"]), "envelopes"),
    ("envelope of an unknown role", _set(["envelopes", "region"], "1.00"), "envelopes.region"),
    ("envelope of the association", _set(["envelopes", "association"], "1.00"),
     "envelopes.association"),
    ("envelope negative", _set(["envelopes", "district"], "-1.00"), "envelopes.district"),
    ("envelope a float", _set(["envelopes", "district"], 1.5), "envelopes.district"),
    ("category not eligible", _set(["category"], "stadium"), "category"),
    ("category not a string", _set(["category"], ["school"]), "category"),
]  # fmt: skip


@pytest.mark.parametrize("_case, change, field", INVALID, ids=[c[0] for c in INVALID])
def test_invalid_preview_input_names_the_field(_case, change, field):
    request = valid_request()
    change(request)

    with pytest.raises(RulesError) as error:
        parse_preview(request, resolve)

    assert field in error.value.errors, error.value.errors
    assert all(isinstance(m, str) and m for ms in error.value.errors.values() for m in ms)


@pytest.mark.parametrize("request_", [None, [], "{}", 1, 1.5, True], ids=repr)
def test_a_request_that_is_not_an_object_is_refused(request_):
    with pytest.raises(RulesError) as error:
        parse_preview(request_, resolve)

    assert error.value.errors == {"non_field_errors": ["Expected an object."]}


def test_several_errors_are_reported_at_once():
    request = valid_request()
    request["rules"]["parties"][1]["weight"] = "0"
    request["cost"] = "NaN"
    request["receipts"][0]["currency"] = "RUR"
    request["envelopes"] = {"region": "1.00"}

    with pytest.raises(RulesError) as error:
        parse_preview(request, resolve)

    assert {"rules.parties[1].weight", "cost", "receipts[0].currency"} <= set(error.value.errors)


def test_an_invalid_stored_scheme_is_blamed_on_the_scheme():
    broken = copy.deepcopy(SCHEMES["UZ-3x1-2025"])
    broken["parties"][1]["weight"] = "0"
    request = valid_request()
    del request["rules"]
    request["scheme"] = "broken"

    with pytest.raises(RulesError) as error:
        parse_preview(request, lambda code: broken)

    assert "scheme.parties[1].weight" in error.value.errors


def test_scheme_without_a_resolver_is_unknown():
    request = valid_request()
    del request["rules"]
    request["scheme"] = "UZ-3x1-2025"

    with pytest.raises(RulesError) as error:
        parse_preview(request)

    assert error.value.errors == {"scheme": ["Unknown scheme."]}


def test_valid_request_is_parsed():
    parsed = parse_preview(valid_request())

    assert parsed.cost == D("40000000.00")
    assert parsed.received_total == D("27140000.00")  # 12,000,000 + 100,000 × 151.40
    assert parsed.category == "school"
    assert parsed.envelopes == {"district": D("10000000.00")}
    assert [p.role for p in parsed.rules.parties] == ["association", "district", "mahalla"]
    assert parsed.rules.max_public_share == D("0.75")
    assert parsed.rules.eligible_categories == frozenset({"school", "road"})
    assert parsed.rules.weight_of("district", "school") == D("2")


def test_scheme_code_gives_the_same_result_as_its_rules():
    by_code = valid_request()
    del by_code["rules"]
    by_code["scheme"] = "UZ-3x1-2025"

    assert preview(by_code, resolve) == preview(valid_request())


@pytest.mark.parametrize(
    "_case, change, received",
    [
        ("received and receipts add up", lambda r: None, "27140000.00"),
        ("received only", lambda r: r.pop("receipts"), "12000000.00"),
        ("receipts only", lambda r: r.pop("received"), "15140000.00"),
        ("neither: nothing received", lambda r: (r.pop("received"), r.pop("receipts")), "0.00"),
        ("receipt in the scheme currency needs no rate",
         lambda r: r["receipts"].append({"amount": "1.00", "currency": "UZS"}), "27140001.00"),
        ("receipt in the scheme currency may say rate 1",
         lambda r: r["receipts"].append({"amount": "1.00", "currency": "UZS", "rate": "1.000"}),
         "27140001.00"),
        ("receipt in JPY with trailing zeros",
         lambda r: r["receipts"].append({"amount": "1000.00", "currency": "JPY", "rate": "85.5"}),
         "27225500.00"),
        ("integers are accepted as amounts", lambda r: r.update(received=12000000), "27140000.00"),
        ("null received is absent", lambda r: r.update(received=None), "15140000.00"),
    ],
)  # fmt: skip
def test_received_total(_case, change, received):
    request = valid_request()
    change(request)

    assert preview(request)["received"] == received


def test_null_or_absent_envelopes_are_unlimited():
    request = valid_request()
    request["envelopes"] = {"district": None}

    out = preview(request)

    assert out["matches"] == {"district": "20000000.00", "mahalla": "10000000.00"}
    assert out["bound_by"] == {"district": "share", "mahalla": "share"}
    del request["envelopes"]
    assert preview(request) == out


def test_public_share_of_one_is_allowed():
    request = valid_request()
    request["rules"]["max_public_share"] = "1"

    assert preview(request)["gap"] == "0.00"
