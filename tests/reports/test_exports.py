"""CSV and XLSX never carry a formula a spreadsheet would run; JSON keeps decimals exact."""

import csv
import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from matching.exports import Column, Table, neutralise, to_csv, to_json, to_xlsx

PAYLOADS = ["=HYPERLINK(\"http://x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
            "\t=1+1", "\r=1+1"]


def _table(values):
    return Table("t", "Test", [Column("name", "=label"), Column("amount", "Amount")],
                 [{"name": v, "amount": Decimal("-12.50")} for v in values])


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_neutralises_formula_triggers(payload):
    rows = list(csv.reader(io.StringIO(to_csv(_table([payload])).decode("utf-8-sig"))))
    assert rows[0][0] == "'=label"
    assert rows[1] == ["'" + payload, "-12.50"]  # a negative amount stays a number


@pytest.mark.parametrize("payload", PAYLOADS)
def test_xlsx_stores_formula_triggers_as_text(payload):
    sheet = load_workbook(io.BytesIO(to_xlsx([_table([payload])]))).active
    name, amount = sheet["A2"], sheet["B2"]
    assert (name.data_type, name.value) == ("s", "'" + payload)
    assert amount.data_type == "n" and Decimal(str(amount.value)) == Decimal("-12.5")
    assert sheet["A1"].value == "'=label"


def test_plain_text_is_left_alone():
    assert neutralise("Navbahor") == "Navbahor" and neutralise("") == ""


def test_json_keeps_decimals_as_strings():
    data = json.loads(to_json([_table(["x"])], meta={"year": 2026}))
    assert data["tables"]["t"]["rows"] == [{"name": "x", "amount": "-12.50"}]
    assert data["meta"] == {"year": 2026}
