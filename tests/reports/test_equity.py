"""The concentration indices against worked examples (no database)."""

from decimal import Decimal

import pytest

from matching.reports.equity import Share, gini, per_capita, share_ratio, theil


@pytest.mark.parametrize("_case, shares, expected_gini, expected_theil", [
    ("everyone gets the same per head",
     [Share(Decimal("1000"), 100), Share(Decimal("3000"), 300)], "0.0000", "0.0000"),
    ("nobody got anything", [Share(Decimal("0"), 100), Share(Decimal("0"), 50)], "0.0000",
     "0.0000"),
    # two equal districts, one gets all: G = 0.5, T = ln 2
    ("one of two equal districts gets everything",
     [Share(Decimal("0"), 100), Share(Decimal("1000"), 100)], "0.5000", "0.6931"),
    # the report fixture: A 10M/100k, B 20M/300k, C 0/100k. Sorted per head C 0, B 66.67,
    # A 100: pairs = 300k·(66.67·100k) + 100k·(100·400k − 20M) = 4e12; G = 4e12/(500k·30M).
    # T = ⅓·ln(⅓ / 0.2) + ⅔·ln(⅔ / 0.6) = 0.17027 + 0.07024
    ("the report's three districts",
     [Share(Decimal("10000000"), 100_000), Share(Decimal("20000000"), 300_000),
      Share(Decimal("0"), 100_000)], "0.2667", "0.2405"),
    ("a district without people is left out",
     [Share(Decimal("500"), 0), Share(Decimal("100"), 10), Share(Decimal("100"), 10)],
     "0.0000", "0.0000"),
])
def test_concentration_index_worked_examples(_case, shares, expected_gini, expected_theil):
    assert gini(shares) == Decimal(expected_gini)
    assert theil(shares) == Decimal(expected_theil)


def test_gini_is_the_same_whatever_the_order_of_districts():
    shares = [Share(Decimal(a), p) for a, p in [("5", 10), ("90", 30), ("0", 5), ("40", 20)]]
    assert gini(shares) == gini(list(reversed(shares))) > 0


def test_negative_amounts_are_refused():
    with pytest.raises(ValueError):
        gini([Share(Decimal("-1"), 10)])


def test_per_capita_and_share_ratio():
    assert per_capita(Decimal("20000000"), 300_000) == Decimal("66.67")
    assert per_capita(Decimal("5"), 0) is None
    assert share_ratio(Decimal("10"), Decimal("30"), 100, 500) == Decimal("1.6667")
    assert share_ratio(Decimal("0"), Decimal("0"), 100, 500) == Decimal("0.0000")
