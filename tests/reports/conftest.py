"""A small programme with hand-computed figures (see `programme`'s docstring)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from matching import models as m
from matching import services

from .. import factories as f

TODAY = datetime.date.today()


@dataclass
class Programme:
    world: object
    district_c: m.District
    mahalla_c: m.Mahalla
    p1: m.Project
    p2: m.Project
    p3: m.Project


@pytest.fixture
def programme(world) -> Programme:
    """District A (100,000 people), B (300,000) and C (100,000, no project), 1x1 scheme.

    - P1 in A, cost 40,000,000: approved, 10,000,000 received, so the district matched
      10,000,000; 250,000 RUB pledged; 8,000,000 of the district's first tranche paid, and
      the first tranche due 10 days ago on both sides (so the association's is overdue).
    - P2 in B, cost 40,000,000: approved, 30,000,000 received (fee 600,000): its effective
      contribution is 20,000,000, matched 20,000,000.
    - P3 in B: submitted, no money.
    """
    world.district_a.population, world.district_b.population = 100_000, 300_000
    world.district_a.save()
    world.district_b.save()
    district_c = f.DistrictFactory(region=world.region, name="Angren", population=100_000)
    mahalla_c = f.MahallaFactory(district=district_c, name="Obod", population=2_000)
    p1 = world.submitted(title="Water pipe Navbahor")
    services.project_review_start(project=p1, actor=world.bob)
    schedule = [(TODAY - datetime.timedelta(days=10), Decimal("0.4")),
                (TODAY + datetime.timedelta(days=100), Decimal("0.6"))]
    services.project_approve(project=p1, actor=world.bob, reason="Good value",
                             schedule=schedule)
    services.pledge_create(project=p1, actor=world.migrant, amount="250000.00", currency="RUB",
                           expected_on=TODAY)
    world.receipt(p1, "10000000.00")
    evidence = services.evidence_add(
        project=p1, actor=world.bob, kind=m.EvidenceKind.PHOTO,
        file=SimpleUploadedFile("works.pdf", b"%PDF-1.4 works", content_type="application/pdf"))
    district_tranche = m.Tranche.objects.get(commitment__project=p1, commitment__role="district",
                                             number=1)
    services.tranche_disburse(tranche=district_tranche, actor=world.bob, evidence=evidence)
    p2 = world.approved(mahalla=world.mahalla_b, title="School roof Guliston")
    world.receipt(p2, "30000000.00", fee=Decimal("600000.00"))
    p3 = world.submitted(mahalla=world.mahalla_b, title="Road Guliston")
    return Programme(world=world, district_c=district_c, mahalla_c=mahalla_c, p1=p1, p2=p2,
                     p3=p3)
