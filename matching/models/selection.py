"""The allocation a call's committee is proposed, and the decisions it recorded.

Both are append-only records: a new proposal is a new run, and the decisions, once recorded
through the ordinary decision path, are published as they are.
"""

import pgtrigger
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import audited


@audited(deletes=False)
class AllocationRun(models.Model):
    """One proposal: the set that maximises the total score within every envelope (and the
    repeat-winner bar), with the greedy ranking beside it, what each costs the envelopes and
    the equity indices before and after.

    `items` is what it solved ({application id: {"score": hundredths of a point, "needs":
    {envelope id: minor units}, "group": mahalla or null}}), `capacities` what was still
    available in each envelope ({envelope id: minor units}), `digest` a hash of both: the
    decisions refuse a proposal whose inputs have changed since (a late score, an envelope
    cut or another approval)."""

    call = models.ForeignKey("matching.Call", models.PROTECT, related_name="runs")
    method = models.CharField(_("method"), max_length=20)
    optimal = models.BooleanField(_("proven optimal"))
    score = models.BigIntegerField(_("total score, in hundredths"))
    bound = models.BigIntegerField(_("proven bound, in hundredths"))
    seconds = models.FloatField(_("solver time (s)"))
    time_limit = models.FloatField(_("time limit (s)"))
    chosen = ArrayField(models.BigIntegerField(), verbose_name=_("proposed applications"))
    greedy_chosen = ArrayField(models.BigIntegerField(),
                               verbose_name=_("applications the greedy ranking funds"))
    greedy_score = models.BigIntegerField(_("greedy total score, in hundredths"))
    greedy_seconds = models.FloatField(_("greedy time (s)"))
    items = models.JSONField(_("what it solved"))
    one_per_group = models.BooleanField(_("one winner per mahalla"))
    capacities = models.JSONField(_("available in each envelope"))
    excluded = models.JSONField(_("applications left out, with the reason"), default=dict)
    equity = models.JSONField(_("equity indices"), default=dict)
    notes = models.JSONField(default=list)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "-created_at", "-id"]
        get_latest_by = ("created_at", "id")
        verbose_name = _("allocation proposal")
        triggers = [pgtrigger.Protect(name="allocation_run_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.call_id} run {self.pk}"


class Outcome(models.TextChoices):
    SELECTED = "selected", _("Selected")
    DEFERRED = "deferred", _("Not selected: may apply again")
    REJECTED = "rejected", _("Rejected")


@audited(deletes=False)
class CallDecision(models.Model):
    """The committee's decision on one application, recorded with the call's decisions in
    one action: the outcome, whether the proposal had funded it, and the reason (a departure
    from the proposal always has its own)."""

    call = models.ForeignKey("matching.Call", models.PROTECT, related_name="decisions")
    application = models.OneToOneField("matching.Application", models.PROTECT,
                                       related_name="decision")
    run = models.ForeignKey(AllocationRun, models.PROTECT, related_name="decisions")
    session = models.ForeignKey("matching.CommitteeSession", models.PROTECT,
                                related_name="decisions")
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices)
    proposed = models.BooleanField(_("funded by the proposal"))
    reason = models.TextField(_("reason"))
    rank = models.PositiveIntegerField(_("rank"))
    score = models.BigIntegerField(_("total score, in hundredths"))
    decided_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)

    class Meta:
        ordering = ["call", "rank"]
        verbose_name = _("call decision")
        constraints = [models.CheckConstraint(condition=~Q(reason=""),
                                              name="call_decision_has_reason")]
        triggers = [pgtrigger.Protect(name="call_decision_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.application_id}: {self.outcome}"

    @property
    def departs(self) -> bool:
        return self.proposed != (self.outcome == Outcome.SELECTED)
