"""Concurrency through the HTTP stack against real PostgreSQL: each request on its own thread
and its own database connection, all released together by a barrier.

- 50 officers approve 50 projects at once against one envelope with room for 10 (the web
  decision endpoint: the API has no approval endpoint, approvals are an officer's page);
- one pledge POSTed concurrently with the same Idempotency-Key (100 times in
  `make reliability`, 20 in the suite);
- two clerks recording the same bank reference at once through the API.
"""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

from matching import ledger
from matching import models as m
from matching import services
from tests import factories as f

from .conftest import FULL, money, race

pytestmark = pytest.mark.django_db(transaction=True)

TARGET = Decimal("20000000.00")  # the district's half of a 40,000,000 project under 1x1


def _reason(page: str) -> str:
    found = re.search(r"The \w+ envelope lacks[^<]*", html.unescape(page))
    return found.group(0).strip() if found else ""


def test_fifty_officers_approving_at_once_never_over_commit_the_envelope(world, figures):
    # given 50 projects under review, 50 officers of the district, and room for 10
    officers, projects = 50, 10
    room = TARGET * projects
    m.BudgetEnvelope.objects.filter(pk=world.envelope_a.pk).update(amount=room)
    queue = []
    for i in range(officers):
        project = world.submitted(title=f"Pipe {i}")
        services.project_review_start(project=project, actor=world.bob)
        queue.append(project)
    clients = []
    for i in range(officers):
        officer = f.UserFactory(username=f"officer-{i}", role=m.Role.OFFICER,
                                district=world.district_a)
        client = Client()
        client.force_login(officer)
        clients.append(client)

    # when each officer POSTs the approval of one project at the same moment
    def approve(client, project):
        return lambda: client.post(f"/officer/projects/{project.pk}/decide/",
                                   {"decision": "approve", "reason": "Good value"})

    responses = race([approve(c, p) for c, p in zip(clients, queue)])

    # then exactly 10 are approved and 40 are told why not; nothing is over-committed
    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors[:3]
    approved = [r for r in responses if r.status_code == 302]
    refused = [r for r in responses if r.status_code == 409]
    reasons = {_reason(r.content.decode()) for r in refused}
    assert len(approved) == projects and len(refused) == officers - projects, \
        sorted(r.status_code for r in responses)
    assert all(reason.startswith("The district envelope lacks") for reason in reasons), reasons
    envelope = m.BudgetEnvelope.objects.get(pk=world.envelope_a.pk)
    assert envelope.reserved == room <= envelope.amount
    assert m.Project.objects.exclude(status=m.ProjectStatus.UNDER_REVIEW).count() == projects
    assert m.Commitment.objects.filter(role="district", envelope=envelope).count() == projects
    assert ledger.verify() == []
    figures("concurrency", f"{officers} approvals, envelope room {projects} → "
            f"{len(approved)} approved, {len(refused)} refused ({sorted(reasons)[0][:100]}…), "
            f"reserved {money(envelope.reserved)} ≤ {money(envelope.amount)}, ledger verified OK")


def test_concurrent_replays_of_one_idempotency_key_make_one_pledge(world, figures):
    replays = 100 if FULL else 20
    project = world.approved()
    _, token = AuthToken.objects.create(world.migrant)
    body = {"project": project.pk, "amount": "250000.00", "currency": "RUB",
            "expected_on": str(datetime.date.today() + datetime.timedelta(days=30))}

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}",
                           HTTP_IDEMPOTENCY_KEY="moscow-2026-06-pledge-1")
        return client.post("/api/v1/pledges/", body, format="json")

    responses = race([post] * replays)

    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors[:3]
    statuses = sorted({r.status_code for r in responses})
    assert statuses == [201], [r.content[:200] for r in responses if r.status_code != 201][:3]
    assert len({r.json()["id"] for r in responses}) == 1
    replayed = sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses)
    pledges = m.Pledge.objects.filter(project=project).count()
    assert pledges == 1 and replayed == replays - 1
    assert ledger.verify() == []
    figures("idempotency", f"{replays} concurrent POSTs, one Idempotency-Key → {pledges} pledge, "
            f"{replays - replayed} created + {replayed} replayed, all 201 OK")


def test_two_clerks_recording_one_bank_reference_at_once_make_one_receipt(world, figures):
    project = world.approved()
    other_clerk = f.UserFactory(username="alice-2", role=m.Role.CLERK,
                                mahallas=[world.mahalla_a])
    tokens = [AuthToken.objects.create(user)[1] for user in (world.alice, other_clerk)]
    body = {"project": project.pk, "amount": "1000000.00", "currency": "UZS",
            "received_on": str(datetime.date.today()), "reference": "SWIFT-RACE-0042"}

    def record(token):
        def post():
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            return client.post("/api/v1/receipts/", body, format="json")
        return post

    responses = race([record(t) for t in tokens])

    assert not [r for r in responses if isinstance(r, Exception)]
    statuses = sorted(r.status_code for r in responses)
    refusal = next(r for r in responses if r.status_code != 201).json()
    assert statuses == [201, 409], statuses
    assert refusal["errors"][0]["code"] == "duplicate_reference", refusal
    receipts = m.Receipt.objects.filter(reference="SWIFT-RACE-0042").count()
    project.refresh_from_db()
    assert receipts == 1 and project.received == Decimal("1000000.00")
    assert ledger.verify() == []
    figures("same bank reference", f"2 clerks at once → {receipts} receipt, statuses "
            f"{statuses} ({refusal['errors'][0]['code']}), received {money(project.received)}, "
            "ledger verified OK")
