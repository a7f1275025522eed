"""Users and their roles. A role's scope says what the user may see and do."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import audited


class Role(models.TextChoices):
    CLERK = "clerk", _("Mahalla clerk")
    OFFICER = "officer", _("Municipal officer")
    ADMINISTRATOR = "administrator", _("Programme administrator")
    ASSOCIATION = "association", _("Migrant association")
    AUDITOR = "auditor", _("Auditor")


@audited(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person using Hashar.

    Scope by role: a clerk works in `mahallas`, an officer in one `district`, an administrator in
    one `region` (or the whole country when empty), an association user speaks for one
    `association`; an auditor reads everything.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    mahallas = models.ManyToManyField("matching.Mahalla", blank=True, related_name="clerks",
                                      verbose_name=_("mahallas"))
    district = models.ForeignKey("matching.District", models.PROTECT, null=True, blank=True,
                                 related_name="officers", verbose_name=_("district"))
    region = models.ForeignKey("matching.Region", models.PROTECT, null=True, blank=True,
                               related_name="administrators", verbose_name=_("region"))
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT, null=True,
                                    blank=True, related_name="users",
                                    verbose_name=_("association"))
    superior = models.ForeignKey("self", models.SET_NULL, null=True, blank=True,
                                 related_name="subordinates", verbose_name=_("superior"),
                                 help_text=_("Receives escalations of this user's overdue work."))
    language = models.CharField(_("language"), max_length=5, default="uz")
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Tashkent")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    notify_by_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=False)

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(condition=~Q(role="officer") | Q(district__isnull=False),
                                   name="officer_has_district"),
            models.CheckConstraint(condition=~Q(role="association") | Q(association__isnull=False),
                                   name="association_user_has_association"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username

