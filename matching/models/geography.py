"""Country → region (viloyat, oblast) → district (tuman, rayon) → mahalla."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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


@audited()
class Region(models.Model):
    country = models.ForeignKey(Country, models.PROTECT, related_name="regions")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("ISO 3166-2, e.g. UZ-TO"))
    name = models.CharField(_("name"), max_length=100)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        constraints = [models.UniqueConstraint(fields=["country", "name"], name="region_unique_name")]

    def __str__(self):
        return self.name


@audited()
class District(models.Model):
    region = models.ForeignKey(Region, models.PROTECT, related_name="districts")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("SOATO (UZ, TJ) or COD P-code (KG)"))
    name = models.CharField(_("name"), max_length=100)
    population = models.PositiveIntegerField(_("population"), default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = _("district")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="district_unique_name")]

    def __str__(self):
        return self.name


@audited()
class Mahalla(models.Model):
    district = models.ForeignKey(District, models.PROTECT, related_name="mahallas")
    code = models.CharField(_("official code"), max_length=20, unique=True, null=True,
                            blank=True, help_text=_("SOATO of a settlement, where it has one"))
    name = models.CharField(_("name"), max_length=100)
    population = models.PositiveIntegerField(_("population"), default=0)
    # where the mahalla is (its committee's office), for checking where photos were taken
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5, null=True,
                                    blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mahalla")
        verbose_name_plural = _("mahallas")
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="mahalla_unique_name")]

    def __str__(self):
        return self.name
