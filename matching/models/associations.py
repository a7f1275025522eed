"""Migrant associations: the clubs abroad that pool money for their home mahallas."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped, audited

MIN_MEMBERS = 10  # the 3x1 Toma de Nota: at least ten adult members
REGISTRATION_YEARS = 2


@audited()
class MigrantAssociation(TimeStamped):
    name = models.CharField(_("name"), max_length=200)
    host_country = models.CharField(_("host country"), max_length=2,
                                    help_text=_("ISO 3166 code, e.g. RU, KZ"))
    host_city = models.CharField(_("host city"), max_length=100)
    home_mahallas = models.ManyToManyField("matching.Mahalla", related_name="associations",
                                           verbose_name=_("home mahallas"))
    member_count = models.PositiveIntegerField(_("members"))
    registration_number = models.CharField(_("registration number"), max_length=40, unique=True)
    registered_on = models.DateField(_("registered on"))
    valid_until = models.DateField(_("valid until"))
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("migrant association")
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=F("registered_on")),
                                   name="association_validity_after_registration"),
        ]

    def __str__(self):
        return self.name

    def registration_problem(self, on: datetime.date) -> str | None:
        """Why the association may not pledge or receive money on `on`, or None."""
        if self.valid_until < on:
            return _("The registration of %(name)s lapsed on %(date)s.") % {
                "name": self.name, "date": self.valid_until.isoformat()}
        if self.member_count < MIN_MEMBERS:
            return _("%(name)s has %(count)s members; at least %(min)s are required.") % {
                "name": self.name, "count": self.member_count, "min": MIN_MEMBERS}
        return None


@audited()
class BoardMember(models.Model):
    """Personal data: never shown on public pages or exports."""

    association = models.ForeignKey(MigrantAssociation, models.CASCADE, related_name="board")
    full_name = models.CharField(_("full name"), max_length=200)
    position = models.CharField(_("position"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("board member")

    def __str__(self):
        return self.full_name
