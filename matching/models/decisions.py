"""What an officer's decisions and actions leave behind besides a status change: decisions
waiting for a second officer, top-ups that cover a funding gap, and the works contract."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ScopedQuerySet
from .base import audited, money_field, stored_name
from .projects import ExecutorKind, ProjectStatus

S = ProjectStatus


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a second officer")
    CONFIRMED = "confirmed", _("Confirmed")
    RETURNED = "returned", _("Sent back")


DECISION_CHOICES = [(s.value, s.label) for s in (S.APPROVED, S.CONDITIONALLY_APPROVED,
                                                  S.DEFERRED, S.REJECTED)]


@audited()
class PendingDecision(models.Model):
    """A decision on a project above its scheme's second-officer threshold, as the first
    officer took it. Nothing happens to the project until a second officer (not the first,
    not the submitter, not a receipt recorder) confirms it, which runs the decision under the
    locks of that moment; or sends it back, and the first officer's decision stays on record.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT,
                                related_name="pending_decisions")
    decision = models.CharField(_("decision"), max_length=30, choices=DECISION_CHOICES)
    reason = models.TextField(_("reason"))
    conditions = models.TextField(_("conditions of approval"), blank=True)
    proposed_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=DecisionStatus.choices,
                              default=DecisionStatus.PENDING)
    resolved_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("second officer's note"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-proposed_at", "-id"]
        verbose_name = _("decision waiting for confirmation")
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=Q(status="pending"),
                                    name="one_pending_decision_per_project"),
            models.CheckConstraint(condition=~Q(decision="conditionally_approved")
                                   | ~Q(conditions=""), name="pending_conditions_given"),
            models.CheckConstraint(condition=Q(status="pending", resolved_by__isnull=True)
                                   | (~Q(status="pending") & Q(resolved_by__isnull=False)),
                                   name="pending_decision_resolved_by_someone"),
        ]

    def __str__(self):
        return f"{self.project_id}: {self.decision} ({self.status})"


class TopUpStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    COMMITTED = "committed", _("Committed at approval")
    WITHDRAWN = "withdrawn", _("Withdrawn")


LIVE_TOP_UPS = ("offered", "committed")


@audited()
class TopUp(models.Model):
    """Money that covers (part of) a project's funding gap (DOMAIN.md "Match rules", step 4):
    an extra commitment by a named funder, from its envelope under the project's scheme (a
    private sponsor may have none), or, without a funder, the association raising its own
    share (its target grows; the raise is never matched).

    Offered before the decision; the approval reserves it like any commitment and freezes it
    (status committed): the match keeps it, as it keeps its rules version. `amount` is in the
    scheme currency.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="top_ups")
    funder = models.ForeignKey("matching.Funder", models.PROTECT, null=True, blank=True,
                               related_name="top_ups", verbose_name=_("funder"),
                               help_text=_("Empty: the association raises its own share."))
    envelope = models.ForeignKey("matching.BudgetEnvelope", models.PROTECT, null=True,
                                 blank=True, related_name="top_ups")
    amount = money_field(_("amount"), help_text=_("In the scheme currency."))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=TopUpStatus.choices,
                              default=TopUpStatus.OFFERED)
    recorded_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("top-up")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="top_up_amount_positive"),
            models.UniqueConstraint(fields=["project", "funder"],
                                    condition=Q(status__in=LIVE_TOP_UPS),
                                    name="one_live_top_up_per_funder"),
            models.UniqueConstraint(fields=["project"],
                                    condition=Q(status__in=LIVE_TOP_UPS, funder__isnull=True),
                                    name="one_live_raise_per_project"),
            models.CheckConstraint(condition=Q(funder__isnull=False) | Q(envelope__isnull=True),
                                   name="top_up_raise_has_no_envelope"),
        ]

    def __str__(self):
        return f"{self.project_id} top-up {self.amount} ({self.status})"

    @property
    def role(self) -> str:
        """The key of its commitment and of its line in the match: the association's own for
        a raise."""
        return "association" if self.funder_id is None else f"top_up_{self.pk}"


def contract_path(instance, filename):
    return stored_name(f"contracts/{instance.project_id}", filename)


@audited()
class Contract(models.Model):
    """The works contract recorded when the works start: who executes them, for how much
    (scheme currency), signed when, and the signed document (served only within scope)."""

    project = models.OneToOneField("matching.Project", models.PROTECT, related_name="contract")
    executor = models.CharField(_("executor"), max_length=200)
    executor_kind = models.CharField(_("kind of executor"), max_length=20,
                                     choices=ExecutorKind.choices)
    amount = money_field(_("contract amount"), help_text=_("In the scheme currency."))
    signed_on = models.DateField(_("signed on"))
    document = models.FileField(_("signed contract"), upload_to=contract_path)
    recorded_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("works contract")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="contract_amount_positive")]

    def __str__(self):
        return f"{self.project_id}: {self.executor} {self.amount}"
