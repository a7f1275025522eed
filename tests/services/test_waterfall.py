"""The funding waterfall: per party, in party order, from one query."""

import datetime
from decimal import Decimal

from matching import models as m
from matching import services
from matching.waterfall import waterfall

TODAY = datetime.date.today()


def test_waterfall_per_party(world, django_assert_num_queries):
    m.ExchangeRate.objects.create(currency="RUB", quote_currency="UZS", on=TODAY,
                                  rate=Decimal("151.40"))
    project = world.approved()
    for amount, currency in [("100000.00", "RUB"), ("50000.00", "RUB"), ("900.00", "USD")]:
        services.pledge_create(project=project, actor=world.migrant, amount=amount,
                               currency=currency, expected_on=TODAY)
    world.receipt(project, "100000.00", currency="RUB")  # 15,140,000.00 UZS
    refunded = world.receipt(project, "1000.00")
    services.receipt_refund(receipt=refunded, actor=world.bob, reason="sent back")
    project = m.Project.objects.select_related("association").get(pk=project.pk)
    with django_assert_num_queries(1):
        association, district = waterfall(project)
    assert (association.role, association.funder) == ("association", world.association.name)
    assert association.pledged == {"RUB": Decimal("150000.00"), "USD": Decimal("900.00")}
    assert association.sent == {"RUB": Decimal("100000.00")}  # the refunded one is not counted
    assert association.received == Decimal("15140000.00")
    assert (association.target, association.matched) == (Decimal("20000000.00"),
                                                          Decimal("15140000.00"))
    assert (district.role, district.funder) == ("district", "Chirchiq hokimiyati")
    assert (district.target, district.reserved, district.matched, district.disbursed) == (
        Decimal("20000000.00"), Decimal("20000000.00"), Decimal("15140000.00"), Decimal("0.00"))
