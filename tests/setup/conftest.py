"""Programme setup: the `world` plus a second region with its own administrator, so that
every page can be tried from both sides of a regional boundary (tash, the administrator of
the world's region, must never reach what is in Fergana, and fer must never reach his)."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from matching import models as m
from matching import services
from tests import factories as f
from tests.web.conftest import login  # noqa: F401 (the pages are tried logged in)


@dataclass
class Regions:
    fergana: m.Region
    margilon: m.District
    atlas: m.Mahalla
    fergana_association: m.MigrantAssociation
    margilon_funder: m.Funder
    margilon_envelope: m.BudgetEnvelope
    district_a_funder: m.Funder
    national: m.Funder
    tash: m.User  # administrator of the world's region (Toshkent viloyati)
    fer: m.User  # administrator of Fergana
    programme: m.User  # administrator of the whole programme, not a superuser
    committee: m.User
    tj_scheme: m.Scheme


@pytest.fixture
def regions(world) -> Regions:
    fergana = f.RegionFactory(country=world.country, name="Farg'ona viloyati")
    margilon = f.DistrictFactory(region=fergana, name="Marg'ilon")
    atlas = f.MahallaFactory(district=margilon, name="Atlas")
    association = f.AssociationFactory(name="Fergana Workers", home_mahallas=[atlas])
    margilon_funder = f.FunderFactory(name="Marg'ilon hokimiyati", district=margilon)
    envelope = services.envelope_open(actor=world.admin, funder=margilon_funder,
                                      scheme=world.scheme, amount=Decimal("50000000.00"),
                                      reason="Budget 2026")
    tajikistan = f.CountryFactory(code="TJ", name="Tajikistan", currency="TJS",
                                  timezone="Asia/Dushanbe")
    f.RegionFactory(country=tajikistan, name="Sughd")
    tj_scheme = f.SchemeFactory(code="tj-1x1", country=tajikistan, currency="TJS")
    f.add_party(tj_scheme, "association", "1", position=0)
    f.add_party(tj_scheme, "district", "1", position=1)
    services.scheme_publish(scheme=tj_scheme, actor=world.admin)
    return Regions(
        fergana=fergana, margilon=margilon, atlas=atlas, fergana_association=association,
        margilon_funder=margilon_funder, margilon_envelope=envelope,
        district_a_funder=world.envelope_a.funder,
        national=f.FunderFactory(name="Government of Uzbekistan", kind="national",
                                 country=world.country),
        tash=f.UserFactory(username="tash", role=m.Role.ADMINISTRATOR, region=world.region),
        fer=f.UserFactory(username="fer", role=m.Role.ADMINISTRATOR, region=fergana),
        programme=f.UserFactory(username="programme", role=m.Role.ADMINISTRATOR),
        committee=f.UserFactory(username="committee", role=m.Role.COMMITTEE),
        tj_scheme=tj_scheme)
