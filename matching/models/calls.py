"""Selection rounds: a call for applications, its criteria, the applications it received and
what each froze, and the values the system computed for them at the close.

A call belongs to a scheme (and so a fiscal year); it opens and closes on set dates, spends
the envelopes it lists and scores by criteria published with their weights. The committee's
work (members, interests, scores, sessions, votes) is in `committee.py`; the allocation and
the decisions in `selection.py`.

What the database itself refuses (triggers), so that no code path can skip it:
- criteria change only while their call is a draft (the weights are published at opening);
- an application is made, withdrawn or changed only while its call is open, and what it
  froze (cost, received money, targets, the envelopes it draws on) never changes at all;
- the values computed at the close are never changed or deleted.
"""

import pgtrigger
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ApplicationQuerySet, CallQuerySet
from .base import TimeStamped, audited, currency_check, currency_field, money_field
from .schemes import Category


def parent_state_guard(*, name: str, column: str, table: str, states: tuple[str, ...],
                       message: str, operation=None) -> pgtrigger.Trigger:
    """A trigger refusing any insert, update or delete of a row while its parent (`column`
    points to a row of `table`) is not in one of `states`."""
    allowed = ", ".join(f"'{s}'" for s in states)
    return pgtrigger.Trigger(
        name=name, when=pgtrigger.Before,
        operation=operation or (pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete),
        func=pgtrigger.Func(f"""
            IF (SELECT status FROM {table}
                WHERE id = COALESCE(NEW.{column}, OLD.{column})) NOT IN ({allowed}) THEN
                RAISE EXCEPTION '{message}' USING ERRCODE = 'check_violation';
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;"""))


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed: scoring and sessions")
    DECIDED = "decided", _("Decided: results published")


@audited()
class Call(TimeStamped):
    """A selection round of one scheme: applications from `opens_on` to `closes_on`
    (inclusive, in the programme's time zone), scored by the committee, allocated within the
    envelopes it lists, decided and published. `region`: a regional call takes applications
    from that region only (and its administrators run it); empty: the scheme's whole country.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    scheme = models.ForeignKey("matching.Scheme", models.PROTECT, related_name="calls",
                               verbose_name=_("scheme"))
    region = models.ForeignKey("matching.Region", models.PROTECT, null=True, blank=True,
                               related_name="calls", verbose_name=_("region"),
                               help_text=_("Empty: applications from the whole country."))
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), help_text=_("The last day to apply."))
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=3,
        help_text=_("Members who must be present for a session to vote."))
    status = models.CharField(_("status"), max_length=20, choices=CallStatus.choices,
                              default=CallStatus.DRAFT)
    envelopes = models.ManyToManyField("matching.BudgetEnvelope", through="CallEnvelope",
                                       related_name="calls", verbose_name=_("envelopes"))
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = CallQuerySet.as_manager()
    # a regional administrator runs his region's calls; a national call (no region) is the
    # programme administrators'
    region_paths = ("region",)

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("call")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")),
                                   name="call_closes_after_it_opens"),
            models.CheckConstraint(condition=Q(quorum__gte=1), name="call_quorum_positive"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    @property
    def fiscal_year(self):
        return self.scheme.fiscal_year


@audited()
class CallEnvelope(models.Model):
    """An envelope the call spends (of its scheme)."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="call_envelopes")
    envelope = models.ForeignKey("matching.BudgetEnvelope", models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("envelope of a call")
        constraints = [models.UniqueConstraint(fields=["call", "envelope"],
                                               name="call_envelope_once")]
        triggers = [parent_state_guard(
            name="call_envelope_only_in_draft", column="call_id", table="matching_call",
            states=("draft",), message="the envelopes of a call change only in its draft")]


class CriterionKind(models.TextChoices):
    SCORED = "scored", _("Scored by the committee members")
    EQUITY = "equity", _("Equity: the district's matched funding per head so far (less is "
                         "better)")
    SHARE = "share", _("The association's share of the cost (more is better)")
    PEOPLE = "people", _("People served per million of cost (more is better)")


COMPUTED_KINDS = frozenset({CriterionKind.EQUITY, CriterionKind.SHARE, CriterionKind.PEOPLE})
SCORE_MAX = 10  # every criterion is scored from 0 to 10


@audited()
class Criterion(models.Model):
    """One criterion of a call, published with its weight and how it is measured. A
    computed one is filled in by the system at the close; where it cannot be (no population),
    the members score it instead, and the page says why."""

    call = models.ForeignKey(Call, models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("how it is measured"))
    kind = models.CharField(_("kind"), max_length=20, choices=CriterionKind.choices,
                            default=CriterionKind.SCORED)
    weight = models.DecimalField(_("weight"), max_digits=7, decimal_places=2)

    class Meta:
        ordering = ["call", "position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.UniqueConstraint(fields=["call", "name"], name="criterion_unique_name"),
        ]
        triggers = [parent_state_guard(
            name="criterion_only_in_draft", column="call_id", table="matching_call",
            states=("draft",), message="the criteria of a call are published at its opening "
                                       "and never change after")]

    def __str__(self):
        return self.name

    @property
    def computed(self) -> bool:
        return self.kind in COMPUTED_KINDS


# what an application froze when it was made: never updated afterwards (the trigger below)
FROZEN = ("call_id", "project_id", "title", "category", "cost", "currency", "received",
          "mahalla_id", "district_id", "association_id", "scheme_version_id", "targets",
          "needs", "applied_by_id", "applied_at")


@audited()
class Application(models.Model):
    """A submitted project's application to an open call, with what it applied with.

    `targets` are the parties' targets under the scheme version of the day ({role: amount});
    `needs` what it would draw from each envelope ({envelope id: amount}), both in the
    scheme currency, as strings. `received` is the association's money in hand that day.
    """

    call = models.ForeignKey(Call, models.PROTECT, related_name="applications")
    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="applications")
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    cost = money_field(_("eligible cost"))
    currency = currency_field()
    received = money_field(_("association money received when it applied"))
    mahalla = models.ForeignKey("matching.Mahalla", models.PROTECT, related_name="+")
    district = models.ForeignKey("matching.District", models.PROTECT, related_name="+")
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT,
                                    related_name="+")
    scheme_version = models.ForeignKey("matching.SchemeVersion", models.PROTECT,
                                       related_name="+")
    targets = models.JSONField(_("targets"))
    needs = models.JSONField(_("needs from each envelope"))
    applied_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+")

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["call", "id"]
        verbose_name = _("application")
        constraints = [
            models.UniqueConstraint(fields=["call", "project"], name="application_once_per_call"),
            currency_check("currency", "application_currency_iso"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="application_cost_positive"),
            models.CheckConstraint(condition=Q(received__gte=0),
                                   name="application_received_not_negative"),
        ]
        triggers = [
            parent_state_guard(
                name="application_only_while_open", column="call_id", table="matching_call",
                states=("open",), message="applications change only while their call is open"),
            pgtrigger.Protect(name="application_frozen", operation=pgtrigger.Update,
                              condition=pgtrigger.AnyChange(*FROZEN)),
        ]

    def __str__(self):
        return f"{self.call_id}/{self.project_id}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


@audited(deletes=False)
class CriterionValue(models.Model):
    """A computed criterion's value for one application, filled in by the system when the
    call closed: the raw figure, its score from 0 to 10, and where it comes from (`basis`:
    the amounts, population with its year and source, or why there is none). No score:
    the figure could not be computed (the members score it)."""

    application = models.ForeignKey(Application, models.PROTECT, related_name="values")
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="values")
    value = models.DecimalField(_("figure"), max_digits=24, decimal_places=6, null=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True)
    basis = models.JSONField(_("source"), default=dict)
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("computed value")
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"],
                                    name="criterion_value_once"),
            models.CheckConstraint(condition=Q(score__isnull=True)
                                   | (Q(score__gte=0) & Q(score__lte=SCORE_MAX)),
                                   name="criterion_value_score_range"),
        ]
        triggers = [pgtrigger.Protect(name="criterion_value_append_only",
                                      operation=pgtrigger.Update | pgtrigger.Delete)]

    def __str__(self):
        return f"{self.application_id}:{self.criterion_id} {self.score}"
