"""The project list of a clerk, an officer or a regional administrator is read mahalla by
mahalla and stopped after a page (matching/prepared.py, policies.scope_mahallas): it must
answer exactly what the plain scope would, page after page, forwards and backwards, with
filters and search, in the same few queries for every role."""

import pytest
from django.contrib.auth.models import AnonymousUser
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import models as m
from django.db import connection

from matching.policies import scope_mahallas_sql
from tests import factories as f

LIST = "/api/v1/projects/"
WHO = ["alice", "charlie", "bob", "dave", "migrant", "stranger", "auditor", "admin",
       "regional_admin", "nobody", "anonymous"]


def _user(world, who):
    if who == "regional_admin":
        return m.User.objects.create(username="ra", role=m.Role.ADMINISTRATOR,
                                     region=world.region)
    if who == "nobody":
        return m.User.objects.create(username="nobody", role="")
    if who == "anonymous":
        return AnonymousUser()
    return getattr(world, who)


@pytest.fixture
def spread(world):
    """Projects in three mahallas of two districts (alice clerks two of them), two
    associations, two statuses, created in an interleaved order."""
    mahalla_c = f.MahallaFactory(district=world.district_a, name="Yangiobod")
    world.alice.mahallas.add(mahalla_c)
    mahallas = [world.mahalla_a, world.mahalla_b, mahalla_c]
    associations = [world.association, world.other_association]
    m.Project.objects.bulk_create([m.Project(
        code=f"SPREAD-{i:03d}", title=f"{'Pipe' if i % 4 else 'Road'} {i}",
        mahalla=mahallas[i % 7 % 3], association=associations[i % 5 % 2],
        scheme=world.scheme, category="road", status="funding" if i % 3 else "draft",
        cost="1000.00", currency="UZS", created_by=world.alice) for i in range(60)])
    return mahallas


@pytest.mark.parametrize("who", WHO)
def test_the_mahallas_of_a_scope_give_exactly_the_scope(world, spread, who):
    user = _user(world, who)
    mahallas = scope_mahallas_sql(user)
    visible = set(m.Project.objects.visible_to(user).values_list("pk", flat=True))
    if mahallas is None:  # the list filters with scope_q itself
        assert who in ("migrant", "stranger", "auditor", "admin", "nobody", "anonymous")
        return
    assert who in ("alice", "charlie", "bob", "dave", "regional_admin")
    with connection.cursor() as cursor:
        cursor.execute(*mahallas)
        ids = [row[0] for row in cursor.fetchall()]
    assert len(ids) == len(set(ids))  # each mahalla once, or its projects come twice
    assert set(m.Project.objects.filter(mahalla__in=ids).values_list("pk", flat=True)) \
        == visible
    assert visible  # not vacuous


def _walk(api, params):
    """Every page from the first, following `next`: the ids in order, the number of pages,
    the last page."""
    ids, pages = [], 0
    answer = api.get(LIST, params).json()
    while True:
        pages += 1
        ids += [row["id"] for row in answer["results"]]
        if not answer["next"]:
            return ids, pages, answer
        answer = api.get(answer["next"]).json()


@pytest.mark.parametrize("who", ["alice", "bob", "regional_admin", "migrant", "auditor"])
@pytest.mark.parametrize("params", [{}, {"status": "funding"}, {"search": "Road"},
                                    {"search": "Yangiobod"}])
def test_every_page_of_every_role_is_the_scope_newest_first(world, spread, who, params,
                                                            django_assert_max_num_queries):
    user = _user(world, who)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    expected = m.Project.objects.visible_to(user).order_by("-id")
    if "status" in params:
        expected = expected.filter(status=params["status"])
    if "search" in params:
        term = params["search"]
        expected = [p for p in expected.select_related("mahalla")
                    if term in p.title or term in p.mahalla.name]
    expected = [p.pk for p in expected]
    ids, pages, last = _walk(api, {**params, "page_size": 4})
    assert ids == expected and len(ids) > 4  # several pages, none lost, none twice
    assert pages == -(-len(expected) // 4)
    # and back again from the last page, through the previous pages
    backwards = []
    answer = last
    while True:
        backwards = [row["id"] for row in answer["results"]] + backwards
        if not answer["previous"]:
            break
        answer = api.get(answer["previous"]).json()
    assert backwards == expected
    # the same few queries at any page size, for every role
    for size in (5, 50):
        with django_assert_max_num_queries(2):
            assert api.get(LIST, {**params, "page_size": size}).status_code == 200


def test_a_clerk_without_mahallas_and_an_administrator_of_an_empty_region_see_nothing(world, spread):
    # (an officer always has a district: a check constraint)
    for user in (m.User.objects.create(username="idle", role=m.Role.CLERK),
                 m.User.objects.create(username="far", role=m.Role.ADMINISTRATOR,
                                       region=m.Region.objects.create(
                                           country=world.country, name="Xorazm"))):
        api = APIClient(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
        answer = api.get(LIST)
        assert answer.status_code == 200 and answer.json()["results"] == []
