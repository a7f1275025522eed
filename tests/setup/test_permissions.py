"""The permission matrix of every new page: each role, and each side of a regional boundary.
A regional administrator gets 404 for everything outside his region, as if it did not exist;
other roles are refused the setup pages (403); the anonymous are sent to log in."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from matching import models as m
from matching import services

from ..web.conftest import pdf

OTHERS = ("clerk", "officer", "auditor", "association", "committee")
ADMINS = ("programme", "tash", "fer")


def who(world, regions, name):
    return {"clerk": world.alice, "officer": world.bob, "auditor": world.auditor,
            "association": world.migrant, "committee": regions.committee,
            "programme": regions.programme, "tash": regions.tash, "fer": regions.fer}[name]


@pytest.fixture
def things(world, regions):
    application = services.association_apply(
        actor=None, name="Navbahor Builders", host_country="RU", host_city="Kazan",
        home_mahallas=[world.mahalla_a], member_count=12,
        board=[{"full_name": "A", "position": "Chair"}], statutes=pdf(), contact_name="A",
        email="nb@example.org")
    proposal = services.proposal_create(actor=world.migrant, mahalla=world.mahalla_a,
                                        title="Lamps", category="electricity",
                                        description="Lamps.", cost=Decimal("1000"))
    return {"region": world.region, "district": world.district_a, "mahalla": world.mahalla_a,
            "scheme": world.scheme, "tj_scheme": regions.tj_scheme,
            "funder": world.envelope_a.funder, "envelope": world.envelope_a,
            "association": world.association, "application": application, "user": world.bob,
            "national": regions.national, "proposal": proposal}


# (url name, arguments, who sees it): "region" = the administrators of the thing's region and
# of the whole programme (everyone else of that role: 404); "country" = every administrator of
# the country; "programme" = programme administrators (regional ones: 403); "list" = every
# administrator, each seeing his own region's rows.
PAGES = [
    ("setup", [], "list"),
    ("setup-regions", [], "list"),
    ("setup-region", ["region"], "region"),
    ("setup-district", ["district"], "region"),
    ("setup-population", ["~district", "district"], "region"),
    ("setup-population", ["~mahalla", "mahalla"], "region"),
    ("setup-schemes", [], "list"),
    ("setup-scheme", ["scheme"], "country"),
    ("setup-scheme", ["tj_scheme"], "nobody-regional"),
    ("setup-scheme-new", [], "programme"),
    ("setup-scheme-edit", ["scheme"], "programme"),
    ("setup-scheme-copy", ["scheme"], "programme"),
    ("setup-funders", [], "list"),
    ("setup-funder-new", [], "list"),
    ("setup-funder", ["funder"], "region"),
    ("setup-funder", ["national"], "nobody-regional"),
    ("setup-envelope-new", ["funder"], "region"),
    ("setup-envelope", ["envelope"], "region"),
    ("setup-associations", [], "list"),
    ("setup-association", ["association"], "region"),
    ("setup-applications", [], "list"),
    ("setup-application", ["application"], "region"),
    ("setup-users", [], "list"),
    ("setup-user-invite", [], "list"),
    ("setup-user", ["user"], "region"),
]


def expected(kind, person):
    if person in OTHERS:
        return 403
    if kind == "programme":
        return 200 if person == "programme" else 403
    if kind == "nobody-regional":
        return 200 if person == "programme" else 404
    if kind == "region":
        return 404 if person == "fer" else 200
    return 200  # "list", "country"


@pytest.mark.parametrize("name, args, kind", PAGES,
                         ids=[f"{p[0]}:{'/'.join(p[1])}" for p in PAGES])
def test_setup_pages_by_role_and_region(world, regions, things, login, name, args, kind):
    url = reverse(name, args=[a[1:] if a.startswith("~") else things[a].pk for a in args])
    assert Client().get(url).status_code == 302  # log in first
    for person in (*OTHERS, *ADMINS):
        status = login(who(world, regions, person)).get(url).status_code
        assert status == expected(kind, person), (person, status)


POSTS = [  # what another region's administrator may not change: 404, and nothing changes
    ("setup-population", ["~district", "district"],
     {"population": "5", "population_year": "2025", "population_source": "x"}),
    ("setup-envelope", ["envelope"], {"direction": "cut", "amount": "1", "reason": "x"}),
    ("setup-envelope-new", ["funder"], {"scheme": "", "amount": "1", "reason": "x"}),
    ("setup-funder", ["funder"], {"name": "Renamed"}),
    ("setup-application", ["application"], {"approve": "1"}),
    ("setup-user", ["user"], {"role": "auditor", "language": "en",
                              "timezone_name": "Asia/Tashkent"}),
    ("setup-user-withdraw", ["user"], {"reason": "x"}),
]


@pytest.mark.parametrize("name, args, data", POSTS, ids=[p[0] for p in POSTS])
def test_another_regions_administrator_changes_nothing(world, regions, things, login, name,
                                                       args, data):
    url = reverse(name, args=[a[1:] if a.startswith("~") else things[a].pk for a in args])
    snapshot = _snapshot(world, things)
    assert login(regions.fer).post(url, data).status_code == 404
    assert login(world.alice).post(url, data).status_code == 403
    assert _snapshot(world, things) == snapshot


def _snapshot(world, things):
    return (list(m.District.objects.order_by("pk").values_list("population", "population_year")),
            list(m.BudgetEnvelope.objects.order_by("pk").values_list("amount")),
            m.EnvelopeAdjustment.objects.count(),
            list(m.Funder.objects.order_by("pk").values_list("name")),
            list(m.RegistrationApplication.objects.order_by("pk").values_list("status")),
            list(m.User.objects.order_by("pk").values_list("role", "district", "is_active")))


def test_lists_show_each_administrator_only_his_region(world, regions, things, login):
    for url, own, other in (
            (reverse("setup-funders"), "Chirchiq hokimiyati", "Marg&#x27;ilon hokimiyati"),
            (reverse("setup-associations"), "Bekobod Diaspora Almaty", "Fergana Workers"),
            (reverse("setup-users"), ">bob</a>", ">fer</a>"),
            (reverse("setup-regions"), "Toshkent viloyati", "Farg&#x27;ona viloyati")):
        page = login(regions.tash).get(url).content.decode()
        assert own in page and other not in page, url
        page = login(regions.fer).get(url).content.decode()
        assert other in page and own not in page, url
    page = login(regions.fer).get(reverse("setup-applications")).content.decode()
    assert "Navbahor Builders" not in page


ASSOCIATION_PAGES = ["association-home", "association-renew", "association-propose"]


@pytest.mark.parametrize("name", ASSOCIATION_PAGES)
def test_the_associations_pages_are_its_users_only(world, regions, login, name):
    url = reverse(name)
    assert Client().get(url).status_code == 302
    for person in ("clerk", "officer", "auditor", "committee", "programme", "tash"):
        assert login(who(world, regions, person)).get(url).status_code == 403, person
    assert login(world.migrant).get(url).status_code in (200, 302)


def test_anyone_may_open_the_application_form(world, login):
    assert Client().get(reverse("association-apply")).status_code == 200
    assert login(world.alice).get(reverse("association-apply")).status_code == 200
    # an association's user renews instead
    assert login(world.migrant).get(reverse("association-apply")).url == reverse(
        "association-renew")


def test_a_proposal_is_its_mahallas_clerks(world, regions, things, login):
    url = reverse("clerk-proposal", args=[things["proposal"].pk])
    assert login(world.alice).get(url).status_code == 200
    assert login(world.charlie).get(url).status_code == 404
    for person in ("officer", "association", "tash", "programme"):
        assert login(who(world, regions, person)).get(url).status_code == 403, person


def test_setup_lists_cost_the_same_queries_for_more_rows(world, regions, login,
                                                         django_assert_max_num_queries):
    from tests import factories as f

    client = login(regions.programme)
    for i in range(30):
        district = f.DistrictFactory(region=world.region, name=f"District {i}")
        funder = f.FunderFactory(name=f"Hokimiyat {i}", district=district)
        m.User.objects.create(username=f"officer{i}", role="officer", district=district)
        association = f.AssociationFactory(home_mahallas=[f.MahallaFactory(district=district)])
        services.envelope_open(actor=world.admin, funder=funder, scheme=world.scheme,
                               amount=Decimal(1), reason="x")
        del association
    for name in ("setup-funders", "setup-users", "setup-associations", "setup-schemes",
                 "setup-regions", "setup-applications", "setup"):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(name)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("setup-region", args=[world.region.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("setup-scheme", args=[world.scheme.pk])).status_code == 200


def test_the_django_admin_shows_a_regional_administrator_only_his_region(world, regions,
                                                                         things, login):
    from django.contrib.auth.models import Permission

    # given a regional administrator with staff access and every permission of the app
    fer = regions.fer
    fer.is_staff = True
    fer.save()
    fer.user_permissions.set(Permission.objects.filter(content_type__app_label="matching"))
    project = world.project()
    client = login(fer)
    for model, own, theirs in (("district", regions.margilon, world.district_a),
                               ("funder", regions.margilon_funder, things["funder"]),
                               ("budgetenvelope", regions.margilon_envelope, world.envelope_a),
                               ("migrantassociation", regions.fergana_association,
                                world.association),
                               ("user", fer, world.bob), ("project", None, project)):
        listing = client.get(reverse(f"admin:matching_{model}_changelist"))
        assert listing.status_code == 200
        shown = set(listing.context["cl"].queryset.values_list("pk", flat=True))
        assert theirs.pk not in shown, model
        if own is not None:
            assert own.pk in shown, model
        # another region's record reads as missing: the admin sends him back to its index
        answer = client.get(reverse(f"admin:matching_{model}_change", args=[theirs.pk]))
        assert answer.status_code == 302, model
    # and he changes no one there (users are changed by superusers only)
    answer = client.post(reverse("admin:matching_user_change", args=[fer.pk]), {"role": "auditor"})
    assert answer.status_code == 403
