"""Shared fixtures.

`world` is a small programme: one region with two districts, a 1x1 scheme (association 1,
district 1), envelopes, and people on both sides of every boundary, healthchecks-style:
alice (clerk) and bob (officer) work in district A; charlie (clerk) and dave (officer) work in
district B and must never see alice's things.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from matching import models as m
from matching import services

from . import factories as f


@dataclass
class World:
    country: m.Country
    region: m.Region
    district_a: m.District
    district_b: m.District
    mahalla_a: m.Mahalla
    mahalla_b: m.Mahalla
    association: m.MigrantAssociation
    other_association: m.MigrantAssociation
    scheme: m.Scheme
    envelope_a: m.BudgetEnvelope
    envelope_b: m.BudgetEnvelope
    alice: m.User  # clerk, mahalla A
    bob: m.User  # officer, district A
    erin: m.User  # second officer, district A (four eyes)
    charlie: m.User  # clerk, mahalla B
    dave: m.User  # officer, district B
    migrant: m.User  # association user of `association`
    stranger: m.User  # association user of `other_association`
    auditor: m.User
    admin: m.User

    def project(self, *, cost="40000000.00", mahalla=None, status=None, **kwargs) -> m.Project:
        """A draft project of `association` in mahalla A, created by alice."""
        mahalla = mahalla or self.mahalla_a
        clerk = self.alice if mahalla == self.mahalla_a else self.charlie
        return services.project_create(
            actor=clerk, mahalla=mahalla, association=self.association, scheme=self.scheme,
            category=kwargs.pop("category", m.Category.DRINKING_WATER),
            title=kwargs.pop("title", "Water pipe"), cost=Decimal(cost), **kwargs)

    def submitted(self, **kwargs) -> m.Project:
        project = self.project(**kwargs)
        clerk = self.alice if project.mahalla == self.mahalla_a else self.charlie
        return services.project_submit(project=project, actor=clerk)

    def approved(self, *, officer=None, **kwargs) -> m.Project:
        project = self.submitted(**kwargs)
        officer = officer or (self.bob if project.mahalla == self.mahalla_a else self.dave)
        services.project_review_start(project=project, actor=officer)
        return services.project_approve(project=project, actor=officer, reason="Good value")

    def in_progress(self, **kwargs) -> m.Project:
        """Approved, its association's share received, works started (mahalla A: bob)."""
        project = self.approved(**kwargs)
        self.receipt(project, str(project.cost / 2))
        self.start_works(project)
        return project

    def clerk_of(self, project) -> m.User:
        return self.alice if project.mahalla_id == self.mahalla_a.pk else self.charlie

    def signed_off(self, project, *, members=3, signed=None) -> list[m.OversightMember]:
        """An oversight committee of `members` residents, `signed` of whom (all by default)
        signed the handover act today; the project must be in progress."""
        clerk = self.clerk_of(project)
        recorded = [services.oversight_member_add(project=project, actor=clerk,
                                                  full_name=f"Resident {n}", contact="+998 90 000")
                    for n in range(members)]
        for member in recorded[:members if signed is None else signed]:
            services.oversight_sign_off(member=member, actor=clerk, decision="signed",
                                        on=datetime.date.today())
        return recorded

    def evidence(self, project, kind="photo", *, actor=None) -> m.Evidence:
        """A small PDF as evidence of `kind`, uploaded by alice unless `actor` is given."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        return services.evidence_add(
            project=project, actor=actor or self.alice, kind=kind,
            file=SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4 evidence",
                                    content_type="application/pdf"))

    def start_works(self, project, *, actor=None) -> m.Contract:
        """The works start under a contract for the project's cost, signed today."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        return services.project_start(
            project=project, actor=actor or self.bob, executor="Navbahor Qurilish LLC",
            executor_kind="contractor", amount=project.cost, signed_on=datetime.date.today(),
            document=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 contract",
                                        content_type="application/pdf"))

    def receipt(self, project, amount="10000000.00", *, reference=None, currency="UZS",
                **kwargs) -> m.Receipt:
        clerk = self.alice if project.mahalla == self.mahalla_a else self.charlie
        self._receipts = getattr(self, "_receipts", 0) + 1
        return services.receipt_record(
            project=project, actor=clerk, amount=Decimal(amount), currency=currency,
            received_on=kwargs.pop("received_on", datetime.date.today()),
            reference=reference or f"REF-{project.pk}-{self._receipts}", **kwargs)


@pytest.fixture
def world(db) -> World:
    country = f.CountryFactory()
    region = f.RegionFactory(country=country, name="Toshkent viloyati")
    district_a = f.DistrictFactory(region=region, name="Chirchiq")
    district_b = f.DistrictFactory(region=region, name="Bekobod")
    mahalla_a = f.MahallaFactory(district=district_a, name="Navbahor")
    mahalla_b = f.MahallaFactory(district=district_b, name="Guliston")
    association = f.AssociationFactory(name="Chirchiq Community Moscow",
                                       home_mahallas=[mahalla_a, mahalla_b])
    other = f.AssociationFactory(name="Bekobod Diaspora Almaty", host_country="KZ",
                                 host_city="Almaty", home_mahallas=[mahalla_b])
    admin = f.UserFactory(username="admin", role=m.Role.ADMINISTRATOR, is_staff=True,
                          is_superuser=True)
    scheme = f.SchemeFactory(code="uz-1x1", name="1x1 Tashkent", country=country)
    f.add_party(scheme, "association", "1", position=0)
    f.add_party(scheme, "district", "1", position=1)
    services.scheme_publish(scheme=scheme, actor=admin)
    funder_a = f.FunderFactory(name="Chirchiq hokimiyati", kind="district", district=district_a)
    funder_b = f.FunderFactory(name="Bekobod hokimiyati", kind="district", district=district_b)
    envelope_a = m.BudgetEnvelope.objects.create(funder=funder_a, scheme=scheme,
                                                 amount=Decimal("100000000.00"))
    envelope_b = m.BudgetEnvelope.objects.create(funder=funder_b, scheme=scheme,
                                                 amount=Decimal("100000000.00"))
    return World(
        country=country, region=region, district_a=district_a, district_b=district_b,
        mahalla_a=mahalla_a, mahalla_b=mahalla_b, association=association,
        other_association=other, scheme=scheme, envelope_a=envelope_a, envelope_b=envelope_b,
        alice=f.UserFactory(username="alice", role=m.Role.CLERK, mahallas=[mahalla_a]),
        bob=f.UserFactory(username="bob", role=m.Role.OFFICER, district=district_a),
        erin=f.UserFactory(username="erin", role=m.Role.OFFICER, district=district_a),
        charlie=f.UserFactory(username="charlie", role=m.Role.CLERK, mahallas=[mahalla_b]),
        dave=f.UserFactory(username="dave", role=m.Role.OFFICER, district=district_b),
        migrant=f.UserFactory(username="migrant", role=m.Role.ASSOCIATION,
                              association=association),
        stranger=f.UserFactory(username="stranger", role=m.Role.ASSOCIATION,
                               association=other),
        auditor=f.UserFactory(username="auditor", role=m.Role.AUDITOR),
        admin=admin,
    )


# tests that drive Chromium or start servers and workers of their own: under `make test`'s
# two processes (pytest-xdist, --dist loadgroup) they all run in one, one after the other,
# while the other process takes the rest; two browsers or worker fleets at once on two cores
# would only make each of them wait
PROCESS_HEAVY = ("tests/browser/", "tests/tasks/", "tests/replica/")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.nodeid.startswith(PROCESS_HEAVY):
            item.add_marker(pytest.mark.xdist_group("process_heavy"))


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page or a task that activated another one
    in this process must not decide what the next test's messages read like."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded proof and evidence go to a throwaway folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api_schema(db):
    """The generated OpenAPI document, loaded by Schemathesis (tests/api, tests/reliability)."""
    import json

    import schemathesis
    from django.core.serializers.json import DjangoJSONEncoder
    from drf_spectacular.generators import SchemaGenerator

    from config.wsgi import application

    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(document, cls=DjangoJSONEncoder)))
    # every request to the WSGI app, the checks' own probes too (a probe without the token
    # went to http://localhost:80 and failed to connect)
    schema.app = application
    return schema
