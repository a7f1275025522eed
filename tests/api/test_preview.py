"""POST /api/v1/match-preview/ and `manage.py match_preview` answer the same JSON."""

import io
import json

import pytest
from django.core.management import call_command

PREVIEW = "/api/v1/match-preview/"

INPUTS = {
    "contract example": {
        "rules": {"currency": "UZS",
                  "parties": [{"role": "association", "weight": "1"},
                              {"role": "district", "weight": "1", "cap": "50000000.00"}],
                  "max_project_cost": "900000000.00", "max_public_share": "0.75"},
        "cost": "40000000.00", "received": "12000000.00",
        "receipts": [{"amount": "100000.00", "currency": "RUB", "rate": "151.40"}],
        "envelopes": {"district": "10000000.00"}},
    "stored scheme": {"scheme": "uz-1x1", "cost": "40000000.00", "received": "30280000.00"},
    "3x1": {"rules": {"currency": "UZS", "parties": [
        {"role": "association", "weight": "1"}, {"role": "mahalla", "weight": "1"},
        {"role": "district", "weight": "1"}, {"role": "region", "weight": "1"}]},
        "cost": "1000000.01", "received": "100000.00"},
}


def command_output(data, tmp_path) -> dict:
    source = tmp_path / "input.json"
    source.write_text(json.dumps(data))
    out = io.StringIO()
    call_command("match_preview", "--input", str(source), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("name", INPUTS)
def test_endpoint_and_command_give_identical_output(world, api, tmp_path, name):
    response = api.post(PREVIEW, INPUTS[name], format="json")
    assert response.status_code == 200
    assert response.json() == command_output(INPUTS[name], tmp_path)
    assert response.json()["steps"]


def test_contract_example_numbers(db, api):
    body = api.post(PREVIEW, INPUTS["contract example"], format="json").json()
    assert body["received"] == "27140000.00"
    assert body["matches"] == {"district": "10000000.00"}
    assert body["bound_by"] == {"district": "envelope"}


@pytest.mark.parametrize("_case, data, field", [
    ("no association", {"rules": {"currency": "UZS", "parties": [
        {"role": "district", "weight": "1"}]}, "cost": "1.00"}, "rules.parties"),
    ("zero weight", {"rules": {"currency": "UZS", "parties": [
        {"role": "association", "weight": "0"}, {"role": "district", "weight": "1"}]},
        "cost": "1.00"}, "rules.parties[0].weight"),
    ("negative cost", {"scheme": "uz-1x1", "cost": "-1"}, "cost"),
    ("NaN", {"scheme": "uz-1x1", "cost": "NaN"}, "cost"),
    ("infinity", {"scheme": "uz-1x1", "cost": "Infinity"}, "cost"),
    ("unknown currency", {"rules": {"currency": "XXX", "parties": [
        {"role": "association", "weight": "1"}]}, "cost": "1.00"}, "rules.currency"),
    ("above the maximum", {"scheme": "uz-1x1", "cost": "900000000.01"}, "cost"),
    ("unknown scheme", {"scheme": "nope", "cost": "1.00"}, "scheme"),
    ("not an object", ["a list"], "non_field_errors"),
])
def test_bad_input_is_a_400_with_field_errors(world, api, _case, data, field):
    response = api.post(PREVIEW, data, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert any(e["attr"] == field or (e["attr"] or "").startswith(field)
               for e in body["errors"]), body


def test_malformed_json_is_a_400(db, api):
    response = api.post(PREVIEW, "{not json", content_type="application/json")
    assert response.status_code == 400
