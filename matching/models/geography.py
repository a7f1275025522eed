"""Country → region (viloyat, oblast) → district (tuman, rayon) → mahalla.

Regions, districts and mahallas are loaded from official classifiers (`manage.py
load_geography`, `matching/data/geo/`): the official code is the key, names come in every
script the source gives, and a population is kept only with its year and source. A missing
population is NULL, never 0 or a guess: per-head figures then say that it is missing.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import PlaceQuerySet
from .base import audited, currency_check, currency_field


@audited()
class Country(models.Model):
    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    currency = currency_field()
    timezone = models.CharField(_("time zone"), max_length=40)

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [currency_check("currency", "country_currency_iso")]

    def __str__(self):
        return self.name


class PlaceKind(models.TextChoices):
    """The kind of unit, as the official classifiers distinguish them."""

    REGION = "region", _("Region")
    REPUBLIC = "republic", _("Republic")
    AUTONOMOUS_REGION = "autonomous_region", _("Autonomous region")
    REPUBLICAN_SUBORDINATION = "republican_subordination", _("Districts of republican subordination")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    CITY_DISTRICT = "city_district", _("City district")
    URBAN_SETTLEMENT = "urban_settlement", _("Urban-type settlement")
    VILLAGE_ASSEMBLY = "village_assembly", _("Village citizens' assembly")
    MAHALLA = "mahalla", _("Mahalla")


class Place(models.Model):
    """What regions, districts and mahallas share: names in each script and language (the
    pages show the reader's, see `places.local_name`), the kind of unit as its source names
    it, and a population with its year and source."""

    # the Latin-script name: Uzbek Latin for Uzbekistan, the English form elsewhere
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=150, blank=True)
    name_uz = models.CharField(_("name in Uzbek (Latin)"), max_length=150, blank=True)
    name_uz_cyrl = models.CharField(_("name in Uzbek (Cyrillic)"), max_length=150, blank=True)
    name_tg = models.CharField(_("name in Tajik"), max_length=150, blank=True)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=150, blank=True)
    kind = models.CharField(_("kind of unit"), max_length=30, choices=PlaceKind.choices,
                            blank=True)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True,
                                             help_text=_("Empty: not known."))
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True,
                                                       blank=True)
    population_source = models.CharField(_("population source"), max_length=300, blank=True)
    source = models.TextField(_("source of the code and names"), blank=True)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


@audited()
class Region(Place):
    country = models.ForeignKey(Country, models.PROTECT, related_name="regions")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("ISO 3166-2, e.g. UZ-TO"))

    region_paths = ("pk",)

    class Meta(Place.Meta):
        verbose_name = _("region")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="region_unique_name")]


@audited()
class District(Place):
    region = models.ForeignKey(Region, models.PROTECT, related_name="districts")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("SOATO (UZ, TJ) or COD P-code (KG)"))

    region_paths = ("region",)

    class Meta(Place.Meta):
        verbose_name = _("district")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="district_unique_name")]


@audited()
class Mahalla(Place):
    district = models.ForeignKey(District, models.PROTECT, related_name="mahallas")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("SOATO of a settlement, where it has one"))
    # where the mahalla is (its committee's office), for checking where photos were taken
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True,
                                    blank=True)

    region_paths = ("district__region",)

    class Meta(Place.Meta):
        verbose_name = _("mahalla")
        verbose_name_plural = _("mahallas")
        constraints = [
            # Official settlements may share a name in one district (an urban-type settlement
            # and the village assembly around it): their code tells them apart. Units entered
            # by hand have no code, so their name must.
            models.UniqueConstraint(fields=["district", "name"], condition=Q(code__isnull=True),
                                    name="mahalla_unique_name"),
        ]
