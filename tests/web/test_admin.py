"""The Django admin: the administrator's lists open, with their filters and search."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("model", ["scheme", "budgetenvelope", "user", "project", "funder",
                                   "migrantassociation"])
def test_admin_lists_open_with_search(login, world, model):
    world.approved()
    response = login(world.admin).get(reverse(f"admin:matching_{model}_changelist"),
                                      {"q": "Chirchiq"})
    assert response.status_code == 200


def test_admin_is_closed_to_a_clerk(login, world):
    response = login(world.alice).get(reverse("admin:matching_scheme_changelist"))
    assert response.status_code == 302
