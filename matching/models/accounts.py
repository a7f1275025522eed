"""Users and their roles. A role's scope says what the user may see and do."""

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ManagedQuerySet
from .base import audited

INVITATION_DAYS = 7  # an invitation link works this long, once


class Role(models.TextChoices):
    CLERK = "clerk", _("Mahalla clerk")
    OFFICER = "officer", _("Municipal officer")
    ADMINISTRATOR = "administrator", _("Programme administrator")
    ASSOCIATION = "association", _("Migrant association")
    AUDITOR = "auditor", _("Auditor")
    # sits on the selection committees of calls (which calls: the calls' own pages)
    COMMITTEE = "committee", _("Selection committee member")


class UserQuerySet(ManagedQuerySet):
    pass


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    """Django's user manager, with `managed_by(administrator)`."""


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
    # reminders due in this span of the user's own clock wait until it ends (may run over
    # midnight: 22:00 to 07:00); both empty, none
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)

    objects = UserManager()
    # the users a regional administrator manages: those whose scope lies in his region
    region_paths = ("region", "district__region", "mahallas__district__region",
                    "association__home_mahallas__district__region")
    region_multivalued = True

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(condition=~Q(role="officer") | Q(district__isnull=False),
                                   name="officer_has_district"),
            models.CheckConstraint(condition=~Q(role="association") | Q(association__isnull=False),
                                   name="association_user_has_association"),
            models.CheckConstraint(condition=Q(quiet_from__isnull=True, quiet_until__isnull=True)
                                   | Q(quiet_from__isnull=False, quiet_until__isnull=False),
                                   name="quiet_hours_both_or_none"),
        ]

    def __str__(self):
        return self.get_full_name() or self.username



@audited(exclude=["token_hash"])
class Invitation(models.Model):
    """A one-time link for an invited person to choose a password and start.

    Only a hash of the token is kept (whoever reads the database cannot use a link); it
    works once (`accepted_at` is set by a compare-and-swap update), until `expires_at`, and
    not after a newer invitation to the same user replaced it (`revoked_at`).
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")

    def __str__(self):
        return self.email
