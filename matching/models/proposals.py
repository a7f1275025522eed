"""Projects that associations propose for their home mahallas, for the clerk to adopt."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ScopedQuerySet
from .base import TimeStamped, audited, currency_check, currency_field, money_field
from .schemes import Category


class ProposalQuerySet(ScopedQuerySet):
    project_path = ""  # a proposal has a project's mahalla and association itself

    def waiting(self):
        return self.filter(status=ProposalStatus.PROPOSED)


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the mahalla's clerk")
    ADOPTED = "adopted", _("Adopted as a draft project")
    DECLINED = "declined", _("Declined")


@audited()
class ProjectProposal(TimeStamped):
    """An association's proposal of a project in one of its home mahallas.

    The mahalla's clerk adopts it (it becomes a draft project she registers, under a scheme
    she chooses) or declines it with a reason. Scope is a project's: the mahalla's clerks,
    the district's officers, the region's administrators, the association itself.
    """

    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT,
                                    related_name="proposals", verbose_name=_("association"))
    mahalla = models.ForeignKey("matching.Mahalla", models.PROTECT, related_name="proposals",
                                verbose_name=_("mahalla"))
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    description = models.TextField(_("description"))
    cost = money_field(_("estimated cost"))
    currency = currency_field()
    proposed_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.PROPOSED)
    project = models.OneToOneField("matching.Project", models.PROTECT, null=True, blank=True,
                                   related_name="proposal")
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project proposal")
        constraints = [
            currency_check("currency", "proposal_currency_iso"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="proposal_cost_positive"),
            models.CheckConstraint(condition=~Q(status="adopted") | Q(project__isnull=False),
                                   name="adopted_proposal_has_project"),
            models.CheckConstraint(condition=~Q(status="declined") | ~Q(reason=""),
                                   name="declined_proposal_has_reason"),
        ]

    def __str__(self):
        return self.title
