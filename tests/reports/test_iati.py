"""The IATI export validates against the official 2.03 schema and carries the money."""

import io
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from matching import iati
from matching.models import Project

SCHEMA = (Path(__file__).resolve().parents[2] / "matching" / "data" / "iati-2.03"
          / "iati-activities-schema.xsd")


@pytest.fixture(scope="module")
def schema():
    return etree.XMLSchema(etree.parse(str(SCHEMA)))


def _export(queryset=None) -> etree._ElementTree:
    out = io.BytesIO()
    iati.write(queryset if queryset is not None else Project.objects.all(), out)
    return etree.parse(io.BytesIO(out.getvalue()))


def test_iati_export_validates_against_the_schema(programme, schema):
    document = _export()
    schema.assertValid(document)
    codes = document.xpath("//iati-activity/iati-identifier/text()")
    assert sorted(codes) == sorted(f"XM-DAC-HASHAR-{p.code}" for p in
                                   (programme.p1, programme.p2, programme.p3))


def test_iati_transactions_are_receipts_commitments_and_disbursements(programme):
    document = _export(Project.objects.filter(pk=programme.p1.pk))
    txs = [(t.find("transaction-type").get("code"), Decimal(t.find("value").text),
            t.find("provider-org/narrative").text)
           for t in document.iter("transaction")]
    assert ("1", Decimal("10000000.00"), "Chirchiq Community Moscow") in txs
    assert ("2", Decimal("20000000.00"), "Chirchiq hokimiyati") in txs
    assert ("3", Decimal("8000000.00"), "Chirchiq hokimiyati") in txs
    assert len(txs) == 3


def test_iati_export_runs_a_constant_number_of_queries(programme, django_assert_max_num_queries):
    for _ in range(3):
        programme.world.submitted(title="More")
    with django_assert_max_num_queries(3):
        _export()


def test_drafts_are_not_published(programme):
    draft = programme.world.project(title="Not yet")
    codes = _export().xpath("//iati-identifier/text()")
    assert not any(c.endswith(draft.code) for c in codes)


def test_a_control_character_stored_before_the_input_rule_cannot_break_the_document(
        programme, schema):
    # given a title with a vertical tab, written straight to the table as old data might be
    Project.objects.filter(pk=programme.p1.pk).update(title="Water\x0bpipe",
                                                      executor="Build\x01co")
    # when the whole programme is exported
    document = _export()
    # then the document is valid and the character is replaced, not dropped silently
    schema.assertValid(document)
    titles = document.xpath("//iati-activity/title/narrative/text()")
    assert "Water\ufffdpipe" in titles
