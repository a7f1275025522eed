"""Migrant associations: the clubs abroad that pool money for their home mahallas."""

import datetime

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ManagedQuerySet
from .base import TimeStamped, audited, stored_name

MIN_MEMBERS = 10  # the 3x1 Toma de Nota: at least ten adult members
REGISTRATION_YEARS = 2
RENEWAL_OPENS_DAYS = 90  # an association may apply to renew this long before it lapses


def valid_until(approved_on: datetime.date) -> datetime.date:
    """The last day of a registration approved (or renewed) on `approved_on`:
    REGISTRATION_YEARS later (29 February approvals end on 28 February)."""
    try:
        end = approved_on.replace(year=approved_on.year + REGISTRATION_YEARS)
    except ValueError:
        end = approved_on.replace(year=approved_on.year + REGISTRATION_YEARS, day=28)
    return end


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

    objects = ManagedQuerySet.as_manager()
    region_paths = ("home_mahallas__district__region",)
    region_multivalued = True

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

    def renewal_open(self, on: datetime.date) -> bool:
        """Whether it may apply to renew on `on`: from RENEWAL_OPENS_DAYS before it lapses,
        and at any time after."""
        return self.valid_until - datetime.timedelta(days=RENEWAL_OPENS_DAYS) <= on


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


class ApplicationKind(models.TextChoices):
    NEW = "new", _("First registration")
    RENEWAL = "renewal", _("Renewal")


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


def statutes_path(instance, filename):
    return stored_name("associations/statutes", filename)


@audited()
class RegistrationApplication(TimeStamped):
    """What an association declared when it applied for registration or its renewal (the
    3x1 Toma de Nota), with its statutes, and the administrator's decision.

    Approval writes the declaration into the association (a new one for a first
    registration) and starts REGISTRATION_YEARS of validity from the day of approval. The
    board and the contact are personal data: never public.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ApplicationKind.choices)
    association = models.ForeignKey(MigrantAssociation, models.PROTECT, null=True, blank=True,
                                    related_name="applications",
                                    help_text=_("Empty for a first registration until it is "
                                                "approved."))
    name = models.CharField(_("name"), max_length=200)
    host_country = models.CharField(_("host country"), max_length=2)
    host_city = models.CharField(_("host city"), max_length=100)
    home_mahallas = models.ManyToManyField("matching.Mahalla", related_name="+",
                                           verbose_name=_("home mahallas"))
    member_count = models.PositiveIntegerField(_("adult members"))
    board = models.JSONField(_("board"), default=list,
                             help_text=_("Full name, position, phone and e-mail of each member "
                                         "of the board."))
    statutes = models.FileField(_("statutes"), upload_to=statutes_path)
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    submitted_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+",
                                     help_text=_("Empty when applied for without an account."))
    status = models.CharField(_("status"), max_length=10, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ManagedQuerySet.as_manager()
    region_paths = ("home_mahallas__district__region",)
    region_multivalued = True

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("registration application")
        constraints = [
            models.CheckConstraint(condition=~Q(kind="renewal") | Q(association__isnull=False),
                                   name="renewal_names_association"),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(reason=""),
                                   name="refusal_has_reason"),
            models.CheckConstraint(condition=Q(member_count__gte=MIN_MEMBERS),
                                   name="application_min_members"),
            # an association waits for one decision at a time
            models.UniqueConstraint(fields=["association"], condition=Q(status="pending"),
                                    name="one_pending_application_per_association"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"
