"""factory_boy factories: a small, real world (Uzbekistan, one region, two districts)."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from matching import models as m


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Country
        django_get_or_create = ("code",)

    code = "UZ"
    name = "Uzbekistan"
    currency = "UZS"
    timezone = "Asia/Tashkent"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Region

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"Region {n}")
    population = 1_000_000


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.District

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"District {n}")
    population = 100_000


class MahallaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Mahalla

    district = factory.SubFactory(DistrictFactory)
    name = factory.Sequence(lambda n: f"Mahalla {n}")
    population = 3_000


class AssociationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.MigrantAssociation
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Association {n}")
    host_country = "RU"
    host_city = "Moscow"
    member_count = 25
    registration_number = factory.Sequence(lambda n: f"REG-{n:05d}")
    registered_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))
    valid_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=600))

    @factory.post_generation
    def home_mahallas(self, create, extracted, **kwargs):
        if create and extracted:
            self.home_mahallas.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass-word-123")
    language = "en"

    @factory.post_generation
    def mahallas(self, create, extracted, **kwargs):
        if create and extracted:
            self.mahallas.set(extracted)


class FunderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Funder

    name = factory.Sequence(lambda n: f"Funder {n}")
    kind = m.FunderKind.DISTRICT


class SchemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Scheme

    code = factory.Sequence(lambda n: f"scheme-{n}")
    name = factory.Sequence(lambda n: f"Scheme {n}")
    country = factory.SubFactory(CountryFactory)
    fiscal_year = factory.LazyFunction(lambda: timezone.localdate().year)
    currency = "UZS"
    max_project_cost = Decimal("900000000.00")


def add_party(scheme, role, weight, *, position, cap=None, sponsor=None):
    return m.SchemeParty.objects.create(scheme=scheme, role=role, weight=Decimal(weight),
                                        position=position, cap=cap, sponsor=sponsor)
