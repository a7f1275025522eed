"""Who may open the pages of the officers' actions (and the clerk's start and withdrawal):
each role, on district A's objects, and on an id that does not exist. Out of scope answers
exactly like missing (404); a page of another role's area is 403; the anonymous go to log in.
A POST by someone who may not act changes nothing."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from matching import ledger
from matching import models as m
from matching import services

from .. import factories as f

ROLES = ["clerk", "officer", "other officer", "administrator", "association",
         "other association", "auditor", "anonymous"]
L = "login"
MISSING = 2**31 - 7


@pytest.fixture
def objects(world):
    """District A's objects, one of each kind a page names."""
    m.Scheme.objects.filter(pk=world.scheme.pk).update(
        second_officer_threshold=Decimal("50000000.00"))
    project = world.approved()
    pledge = services.pledge_create(project=project, actor=world.migrant, amount="100.00",
                                    currency="RUB", expected_on=datetime.date(2030, 1, 1))
    receipt = world.receipt(project, "20000000.00")
    tranche = m.Tranche.objects.filter(commitment__project=project,
                                       commitment__role="district").first()
    services.tranche_disburse(tranche=tranche, actor=world.bob,
                              evidence=world.evidence(project))
    contract = world.start_works(project)
    big = world.submitted(cost="60000000.00", title="Big pipe")
    services.project_review_start(project=big, actor=world.bob)
    pending = services.decision_record(project=big, actor=world.bob, decision="rejected",
                                       reason="Too dear")
    top_up = m.TopUp.objects.create(project=big, amount=Decimal("1.00"), reason="Letter",
                                    recorded_by=world.bob)
    return {"project": project, "pledge": pledge, "receipt": receipt, "tranche": tranche,
            "contract": contract, "pending": pending, "top_up": top_up}


def users(world):
    region = f.RegionFactory(country=world.country, name="Samarqand viloyati")
    return {
        "clerk": world.alice, "officer": world.bob, "other officer": world.dave,
        "administrator": f.UserFactory(username="samarqand-admin",
                                       role=m.Role.ADMINISTRATOR, region=region),
        "association": world.migrant, "other association": world.stranger,
        "auditor": world.auditor, "anonymous": None}


PAGES = {
    "decision": ("/officer/decisions/{pending}/", "pending"),
    "conditions met": ("/officer/projects/{project}/conditions-met/", "project"),
    "top-up": ("/officer/projects/{project}/top-ups/new/", "project"),
    "top-up withdraw": ("/officer/top-ups/{top_up}/withdraw/", "top_up"),
    "suspend": ("/officer/projects/{project}/suspend/", "project"),
    "resume": ("/officer/projects/{project}/resume/", "project"),
    "cancel": ("/officer/projects/{project}/cancel/", "project"),
    "start (officer)": ("/officer/projects/{project}/start/", "project"),
    "close": ("/officer/projects/{project}/close/", "project"),
    "clawback": ("/officer/tranches/{tranche}/clawback/", "tranche"),
    "refund": ("/officer/receipts/{receipt}/refund/", "receipt"),
    "reverse": ("/officer/receipts/{receipt}/reverse/", "receipt"),
    "start (clerk)": ("/clerk/projects/{project}/start/", "project"),
    "pledge withdraw": ("/clerk/pledges/{pledge}/withdraw/", "pledge"),
    "contract document": ("/files/contracts/{contract}/", "contract"),
}
OFFICERS = [403, 200, 404, 404, 403, 403, 403, L]
CLERKS = [200, 403, 403, 403, 403, 403, 403, L]
#        clerk officer other-officer admin association other-association auditor anonymous
EXPECTED = {
    **{page: OFFICERS for page in PAGES},
    "start (clerk)": CLERKS,
    "pledge withdraw": CLERKS,
    "contract document": [200, 200, 404, 404, 200, 404, 200, L],
}


def _status(response):
    if response.status_code == 302 and response["Location"].startswith("/login/"):
        return L
    return response.status_code


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_only_the_pages_of_its_work_in_its_scope(world, objects, role):
    client = _client(users(world)[role])
    wrong = []
    for page, (template, name) in PAGES.items():
        expected = EXPECTED[page][ROLES.index(role)]
        got = _status(client.get(template.format(**{name: objects[name].pk})))
        missing = _status(client.get(template.format(**{name: MISSING})))
        if got != expected:
            wrong.append(f"{page}: {got}, expected {expected}")
        if got == 404 and missing != 404:
            wrong.append(f"{page}: out of scope {got}, missing {missing}")
        if got in (200,) and missing != 404:
            wrong.append(f"{page}: a missing id answers {missing}")
    assert not wrong, wrong


POSTS = {  # page: what it would change, read back
    "suspend": ({"reason": "Audit"}, lambda o: m.Project.objects.get(pk=o["project"].pk).status),
    "cancel": ({"reason": "Flood"}, lambda o: m.Project.objects.get(pk=o["project"].pk).status),
    "refund": ({"reason": "Back"}, lambda o: m.Receipt.objects.get(pk=o["receipt"].pk).status),
    "clawback": ({"amount": "1", "reason": "x", "evidence": ""},
                 lambda o: m.Tranche.objects.get(pk=o["tranche"].pk).disbursed),
    "pledge withdraw": ({}, lambda o: m.Pledge.objects.get(pk=o["pledge"].pk).status),
    "top-up withdraw": ({}, lambda o: m.TopUp.objects.get(pk=o["top_up"].pk).status),
}


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("officer", "clerk")])
def test_a_post_by_someone_who_may_not_act_changes_nothing(world, objects, role):
    client = _client(users(world)[role])
    entries = m.LedgerEntry.objects.count()
    for page, (data, read) in POSTS.items():
        template, name = PAGES[page]
        before = read(objects)
        response = client.post(template.format(**{name: objects[name].pk}), data)
        assert _status(response) in (403, 404, L), (page, response.status_code)
        assert read(objects) == before, page
    decision = client.post(f"/officer/decisions/{objects['pending'].pk}/confirm/")
    assert _status(decision) in (403, 404, L)
    assert m.PendingDecision.objects.get(pk=objects["pending"].pk).status == "pending"
    assert m.LedgerEntry.objects.count() == entries
    assert ledger.verify() == []
