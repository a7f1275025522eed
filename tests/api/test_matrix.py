"""The permission matrix: each role × each endpoint × own and someone else's objects.

"own" is an object in the caller's scope where the role has one (for alice, bob and the
migrant: the project in mahalla A of world.association); "other" is one outside it (the other
association's project in district B). Statuses are what the endpoint must answer.
"""

import datetime

import pytest

from matching import services
from matching.models import WebhookEndpoint

ROLES = ["clerk", "officer", "administrator", "association", "auditor", "anonymous"]


@pytest.fixture
def objects(world, projects):
    own, _other_mahalla_b, foreign = projects
    pledge = services.pledge_create(project=own, actor=world.migrant, amount="10.00",
                                    currency="RUB", expected_on=datetime.date(2030, 1, 1))
    foreign_pledge = services.pledge_create(project=foreign, actor=world.stranger,
                                            amount="10.00", currency="KZT",
                                            expected_on=datetime.date(2030, 1, 1))
    receipt = world.receipt(own, "100.00")
    hook = WebhookEndpoint.objects.create(association=world.association,
                                          url="http://127.0.0.1:9/a", created_by=world.migrant)
    foreign_hook = WebhookEndpoint.objects.create(association=world.other_association,
                                                  url="http://127.0.0.1:9/b",
                                                  created_by=world.stranger)
    return {"own": {"project": own, "pledge": pledge, "receipt": receipt, "hook": hook},
            "other": {"project": foreign, "pledge": foreign_pledge, "receipt": None,
                      "hook": foreign_hook}}


def user_for(world, role):
    if role == "administrator":
        return _other_region_administrator(world)
    return {"clerk": world.alice, "officer": world.bob, "association": world.migrant,
            "auditor": world.auditor, "anonymous": None}[role]


def _other_region_administrator(world):
    """An administrator of another region (world.admin is a superuser and sees all)."""
    from matching.models import Region
    from tests.factories import UserFactory

    elsewhere, _ = Region.objects.get_or_create(country=world.country, name="Samarqand")
    return UserFactory(username="samarqand-admin", role="administrator", region=elsewhere)


# endpoint: (path template, which object it reads)
READS = {
    "project detail": ("/api/v1/projects/{project}/", "project"),
    "project ledger": ("/api/v1/projects/{project}/ledger/", "project"),
    "project timeline": ("/api/v1/projects/{project}/timeline/", "project"),
    "pledge detail": ("/api/v1/pledges/{pledge}/", "pledge"),
    "webhook detail": ("/api/v1/webhooks/{hook}/", "hook"),
}
#           clerk officer admin(other region) association auditor anonymous
OWN = {
    "project detail": [200, 200, 404, 200, 200, 401],
    "project ledger": [200, 200, 404, 200, 200, 401],
    "project timeline": [200, 200, 404, 200, 200, 401],
    "pledge detail": [200, 200, 404, 200, 200, 401],
    "webhook detail": [403, 403, 403, 200, 403, 401],
}
OTHER = {
    "project detail": [404, 404, 404, 404, 200, 401],
    "project ledger": [404, 404, 404, 404, 200, 401],
    "project timeline": [404, 404, 404, 404, 200, 401],
    "pledge detail": [404, 404, 404, 404, 200, 401],
    "webhook detail": [403, 403, 403, 404, 403, 401],
}
LISTS = {  # status, and whether the other association's object shows up
    "/api/v1/projects/": [200, 200, 200, 200, 200, 401],
    "/api/v1/pledges/": [200, 200, 200, 200, 200, 401],
    "/api/v1/receipts/": [200, 200, 200, 200, 200, 401],
    "/api/v1/webhooks/": [403, 403, 403, 200, 403, 401],
    "/api/v1/webhook-deliveries/": [403, 403, 403, 200, 403, 401],
    "/api/v1/associations/me/": [403, 403, 403, 200, 403, 401],
    "/api/v1/schemes/": [200] * 6,
    "/api/v1/schemes/uz-1x1/": [200] * 6,
    "/api/v1/reports/regional/": [200] * 6,
}
SEES_OTHER = {"auditor"}


def users(world):
    """One user per role; built once per test so the table stays fast."""
    return {role: user_for(world, role) for role in ROLES}


@pytest.mark.parametrize("endpoint", READS)
def test_reads(world, objects, as_user, endpoint):
    template, kind = READS[endpoint]
    by_role = users(world)
    for whose, table in (("own", OWN), ("other", OTHER)):
        path = template.format(**{kind: objects[whose][kind].pk})
        got = [as_user(by_role[role]).get(path).status_code for role in ROLES]
        assert got == table[endpoint], f"{endpoint} on {whose}: {dict(zip(ROLES, got))}"


LISTED = {"/api/v1/projects/": "project", "/api/v1/pledges/": "pledge",
          "/api/v1/webhooks/": "hook"}


@pytest.mark.parametrize("path", LISTS)
def test_lists_never_leak_the_other_tenant(world, objects, as_user, path):
    by_role = users(world)
    got = []
    for role in ROLES:
        response = as_user(by_role[role]).get(path)
        got.append(response.status_code)
        if path in LISTED and response.status_code == 200:
            ids = {row["id"] for row in response.json()["results"]}
            other = objects["other"][LISTED[path]].pk
            assert (other in ids) == (role in SEES_OTHER), (path, role)
    assert got == LISTS[path], dict(zip(ROLES, got))


# creates: who may POST a pledge / a receipt on the own project, and on the other one
#                 clerk officer admin association auditor anonymous
PLEDGE_OWN = [201, 403, 400, 201, 403, 401]
PLEDGE_OTHER = [400, 400, 400, 400, 403, 401]
RECEIPT_OWN = [201, 403, 400, 403, 403, 401]
RECEIPT_OTHER = [400, 400, 400, 400, 403, 401]


@pytest.mark.parametrize("whose", ["own", "other"])
def test_creates(world, objects, as_user, whose):
    project = objects[whose]["project"]
    by_role = users(world)
    pledges, receipts = [], []
    for role in ROLES:
        client = as_user(by_role[role])
        pledges.append(client.post("/api/v1/pledges/", {
            "project": project.pk, "amount": "5.00", "currency": "USD",
            "expected_on": "2030-01-01"}, format="json").status_code)
        receipts.append(client.post("/api/v1/receipts/", {
            "project": project.pk, "amount": "5.00", "currency": "UZS",
            "received_on": datetime.date.today().isoformat(), "reference": f"M-{role}"},
            format="json").status_code)
    assert pledges == (PLEDGE_OWN if whose == "own" else PLEDGE_OTHER), dict(zip(ROLES, pledges))
    assert receipts == (RECEIPT_OWN if whose == "own" else RECEIPT_OTHER), \
        dict(zip(ROLES, receipts))


def test_public_endpoints_expose_no_personal_data(world, objects, api):
    from matching.models import BoardMember

    BoardMember.objects.create(association=world.association, full_name="Rustam Karimov",
                               position="chair", phone="+79990001122",
                               email="rustam@example.org")
    texts = [api.get(path).content.decode() for path in
             ("/api/v1/schemes/", "/api/v1/schemes/uz-1x1/", "/api/v1/reports/regional/")]
    texts.append(api.post("/api/v1/match-preview/", {"scheme": "uz-1x1", "cost": "10.00"},
                          format="json").content.decode())
    for text in texts:
        for personal in ("Rustam", "+7999", "@example.org", "alice", "migrant", "admin"):
            assert personal not in text
