"""The API's hot reads run as prepared statements (matching/prepared.py), and the detail's
hand-written scope is the ORM scope's twin."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import models as m
from matching.policies import scope_sql


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_list_detail_and_token_lookup_are_prepared_once_per_connection(world):
    project = world.approved()
    _, key = AuthToken.objects.create(world.bob)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    before = len(_prepared())
    for _ in range(3):
        assert api.get("/api/v1/projects/?page_size=50").status_code == 200
        assert api.get(f"/api/v1/projects/{project.pk}/").status_code == 200
    statements = _prepared()
    # the token lookup, the list page, the detail row and the waterfall: each prepared
    # once, then reused by the later requests
    assert len(statements) - before == 4
    assert sum("knox_authtoken" in sql for sql in statements) == 1
    assert sum("FROM matching_commitment" in sql for sql in statements) == 1


def test_a_write_under_the_audit_context_authenticates_without_preparing(world):
    """pghistory prepends its context to every statement of a write: that cannot be a
    prepared statement, so the token lookup falls back to the ordinary cursor."""
    _, key = AuthToken.objects.create(world.migrant)
    project = world.submitted()
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post("/api/v1/pledges/", {
        "project": project.pk, "amount": "5000.00", "currency": "UZS",
        "expected_on": (datetime.date.today() + datetime.timedelta(days=30)).isoformat()},
        format="json")
    assert response.status_code == 201, response.json()
    assert not any("knox_authtoken" in sql for sql in _prepared())
    pledge = m.Pledge.objects.get(pk=response.json()["id"])
    event = m.PledgeAudit.objects.get(pgh_obj=pledge, pgh_label="insert")
    assert event.pgh_context.metadata["user"] == world.migrant.pk


@pytest.mark.parametrize("who", ["alice", "charlie", "bob", "dave", "migrant", "stranger",
                                 "auditor", "admin", "regional_admin", "nobody", "anonymous"])
def test_the_hand_written_scope_lets_through_exactly_what_the_orm_scope_does(world, who):
    world.approved()
    world.submitted(mahalla=world.mahalla_b)
    other_region = m.Region.objects.create(country=world.country, name="Samarqand")
    if who == "regional_admin":
        user = m.User.objects.create(username="ra", role=m.Role.ADMINISTRATOR,
                                     region=other_region)
    elif who == "nobody":
        user = m.User.objects.create(username="nobody", role="")
    elif who == "anonymous":
        user = AnonymousUser()
    else:
        user = getattr(world, who)
    expected = set(m.Project.objects.visible_to(user).values_list("pk", flat=True))
    condition, params = scope_sql(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT p.id FROM matching_project p JOIN matching_mahalla mh "
                       "ON mh.id = p.mahalla_id JOIN matching_district d ON d.id = mh.district_id "
                       f"WHERE {condition}", params)
        got = {row[0] for row in cursor.fetchall()}
    assert got == expected
    if who in ("alice", "bob", "charlie", "dave", "migrant"):
        assert got  # not vacuous: these people do see something
    if who in ("stranger", "regional_admin", "nobody", "anonymous"):
        assert not got


def test_a_detail_id_beyond_bigint_is_a_404_not_a_500(world):
    _, key = AuthToken.objects.create(world.auditor)
    api = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/projects/{2**63}/").status_code == 404
    assert api.get(f"/api/v1/projects/{2**63 - 1}/").status_code == 404
