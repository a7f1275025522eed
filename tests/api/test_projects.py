"""Project reads: scoping, filters, search, the waterfall, ledger, timeline, pagination and
query counts that do not grow with the page."""

import datetime

import pytest

from matching import services
from matching.models import Project

LIST = "/api/v1/projects/"


def codes(response):
    return {row["code"] for row in response.json()["results"]}


def test_each_role_lists_only_its_projects(world, projects, as_user):
    own, other, foreign = projects
    expected = {
        world.alice: {own.code}, world.charlie: {other.code, foreign.code},
        world.bob: {own.code}, world.dave: {other.code, foreign.code},
        world.migrant: {own.code, other.code}, world.stranger: {foreign.code},
        world.auditor: {own.code, other.code, foreign.code},
        world.admin: {own.code, other.code, foreign.code},
    }
    for user, visible in expected.items():
        assert codes(as_user(user).get(LIST)) == visible, user.username


@pytest.mark.parametrize("param, value, expected_index", [
    ("district", "district_a", {0}), ("mahalla", "mahalla_b", {1, 2}),
    ("status", "draft", {2}), ("category", "road", {2}), ("scheme", "uz-1x1", {0, 1, 2}),
    ("region", "region", {0, 1, 2}), ("search", "Bekobod", {2}), ("fiscal_year", 1990, set()),
])
def test_filters_and_search(world, projects, as_user, param, value, expected_index):
    resolved = getattr(world, value).pk if isinstance(value, str) and hasattr(world, value) \
        else value
    response = as_user(world.auditor).get(LIST, {param: resolved})
    assert response.status_code == 200
    assert codes(response) == {projects[i].code for i in expected_index}


def test_bad_filter_value_is_a_400_not_a_500(world, projects, as_user):
    response = as_user(world.auditor).get(LIST, {"status": "bogus", "region": "x"})
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"status", "region"}


def test_detail_has_the_waterfall_with_amounts_as_strings(world, projects, as_user):
    own = projects[0]
    services.pledge_create(project=own, actor=world.migrant, amount="250000.00",
                           currency="RUB", expected_on=datetime.date(2030, 1, 1))
    world.receipt(own, "200000.00", currency="RUB", rate="151.40")
    response = as_user(world.migrant).get(f"{LIST}{own.pk}/")
    assert response.status_code == 200
    body = response.json()
    association, district = body["waterfall"]
    assert association == {
        "role": "association", "funder": "Chirchiq Community Moscow",
        "target": "20000000.00", "matched": "20000000.00", "reserved": "0.00",
        "disbursed": "0.00", "received": "30280000.00", "pledged": {"RUB": "250000.00"},
        "sent": {"RUB": "200000.00"}}
    assert district["funder"] == "Chirchiq hokimiyati"
    assert (district["target"], district["matched"], district["reserved"]) == \
        ("20000000.00", "20000000.00", "20000000.00")
    assert body["received"] == "30280000.00" and body["cost"] == "40000000.00"


def test_another_tenants_project_answers_404(world, projects, as_user):
    own, other, foreign = projects
    for path in ("", "ledger/", "timeline/"):
        assert as_user(world.alice).get(f"{LIST}{other.pk}/{path}").status_code == 404
        assert as_user(world.stranger).get(f"{LIST}{own.pk}/{path}").status_code == 404
        assert as_user(world.alice).get(f"{LIST}{own.pk}/{path}").status_code == 200


def test_ledger_and_timeline_show_money_and_decisions_with_reasons(world, projects, as_user):
    own = projects[0]
    world.receipt(own, "1000000.00")
    ledger = as_user(world.bob).get(f"{LIST}{own.pk}/ledger/").json()["results"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [
        ("reservation", "20000000.00"), ("receipt", "1000000.00"), ("match", "1000000.00"),
        ("match", "1000000.00")]
    timeline = as_user(world.migrant).get(f"{LIST}{own.pk}/timeline/").json()
    approval = next(c for c in timeline["changes"] if c["to_status"] == "approved")
    assert approval["reason"] == "Good value" and approval["actor"] == "bob"
    assert timeline["matches"][0]["result"]["steps"][0].startswith("Eligible cost")


def test_cursor_pagination_with_a_page_size_and_a_maximum(world, as_user, django_assert_max_num_queries):
    for n in range(7):
        world.project(title=f"Pipe {n}")
    client = as_user(world.alice)
    first = client.get(LIST, {"page_size": 3}).json()
    assert len(first["results"]) == 3 and "count" not in first
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert not codes_of(first) & codes_of(second)
    assert len(client.get(LIST, {"page_size": 100}).json()["results"]) == 7
    # a page size outside 1 to 100 is refused naming the parameter, as the schema says
    for wrong in ("100000", "0", "-1", "abc", "1.5"):
        answer = client.get(LIST, {"page_size": wrong})
        assert answer.status_code == 400 and answer.json()["errors"][0]["attr"] == "page_size"
    assert client.get(LIST, {"cursor": "garbage"}).status_code == 404


def codes_of(page):
    return {row["code"] for row in page["results"]}


def _bulk_projects(world, n):
    """n projects written straight to the table: only the reads are under test here."""
    Project.objects.bulk_create([Project(
        code=f"BULK-{i:04d}", title=f"Bulk {i}", mahalla=world.mahalla_a,
        association=world.association, scheme=world.scheme, category="road",
        cost="1000.00", currency="UZS", created_by=world.alice) for i in range(n)])


@pytest.mark.parametrize("rows", [5, 50])
def test_list_queries_do_not_grow_with_the_page(world, as_user, rows,
                                                django_assert_max_num_queries):
    _bulk_projects(world, rows)
    client = as_user(world.alice)
    with django_assert_max_num_queries(4):
        response = client.get(LIST, {"page_size": 50})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("pledges", [1, 20])
def test_detail_queries_do_not_grow(world, projects, as_user, pledges,
                                    django_assert_max_num_queries):
    own = projects[0]
    for n in range(pledges):
        services.pledge_create(project=own, actor=world.migrant, amount="100.00",
                               currency=["RUB", "KZT", "USD"][n % 3],
                               expected_on=datetime.date(2030, 1, 1))
    client = as_user(world.alice)
    with django_assert_max_num_queries(6):
        assert client.get(f"{LIST}{own.pk}/").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{LIST}{own.pk}/timeline/").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get(f"{LIST}{own.pk}/ledger/").status_code == 200
