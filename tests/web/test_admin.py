"""The Django admin: the administrator's lists open, with their filters and search."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching import models as m
from tests import factories as f


@pytest.mark.parametrize("model", ["scheme", "budgetenvelope", "user", "project", "funder",
                                   "migrantassociation", "complaint"])
def test_admin_lists_open_with_search(login, world, model):
    world.approved()
    response = login(world.admin).get(reverse(f"admin:matching_{model}_changelist"),
                                      {"q": "Chirchiq"})
    assert response.status_code == 200


def test_admin_is_closed_to_a_clerk(login, world):
    response = login(world.alice).get(reverse("admin:matching_scheme_changelist"))
    assert response.status_code == 302


def test_funder_list_costs_the_same_queries_for_more_funders(login, world):
    client, url = login(world.admin), reverse("admin:matching_funder_changelist")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    for _ in range(3):
        f.FunderFactory(district=f.DistrictFactory(region=world.region))
        f.FunderFactory(kind=m.FunderKind.REGION,
                        region=f.RegionFactory(country=world.country), country=world.country)
    assert queries() == before
