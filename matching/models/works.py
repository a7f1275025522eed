"""The works once a project is under way: milestones and progress reports (whose photos are
`Evidence` rows), and the community oversight committee that signs the handover act."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import MilestoneQuerySet, ScopedQuerySet
from .base import TimeStamped, audited


def percent_field(verbose_name, **kwargs) -> models.DecimalField:
    """A per-cent figure, 0.00 to 100.00."""
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=2, **kwargs)


@audited()
class Milestone(TimeStamped):
    """A stage of the works with its planned date and its share of the whole.

    The shares of a project's milestones add up to 100 (services.works.milestones_set checks
    the set as a whole); `progress` is the milestone's own per cent done as of the latest
    progress report that moved it.
    """

    project = models.ForeignKey("matching.Project", models.PROTECT, related_name="milestones")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    planned_on = models.DateField(_("planned date"))
    share = percent_field(_("share of the works (%)"))
    progress = percent_field(_("progress (%)"), default=0)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        ordering = ["project", "position", "id"]
        verbose_name = _("milestone")
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0) & Q(share__lte=100),
                                   name="milestone_share_percent"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100),
                                   name="milestone_progress_percent"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.title} ({self.share}%)"


@audited()
class ProgressReport(models.Model):
    """A dated account of the works by the clerk, with photos (Evidence rows pointing here)
    and the milestones it moved. `progress` is the project's progress in per cent right after
    this report: the milestones' progress weighted by their shares (None without milestones)."""

    project = models.ForeignKey("matching.Project", models.PROTECT,
                                related_name="progress_reports")
    reported_on = models.DateField(_("date of the report"))
    text = models.TextField(_("report"))
    progress = percent_field(_("progress of the works (%)"), null=True, blank=True)
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-reported_on", "-id"]
        verbose_name = _("progress report")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="progress_report_percent"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.reported_on}"


@audited()
class MilestoneProgress(models.Model):
    """One milestone moved by one report: from what per cent to what per cent."""

    report = models.ForeignKey(ProgressReport, models.PROTECT, related_name="moves")
    milestone = models.ForeignKey(Milestone, models.PROTECT, related_name="moves")
    before = percent_field(_("progress before (%)"))
    progress = percent_field(_("progress (%)"))

    class Meta:
        ordering = ["report", "milestone__position"]
        verbose_name = _("milestone progress")
        constraints = [
            models.UniqueConstraint(fields=["report", "milestone"], name="milestone_moved_once"),
            models.CheckConstraint(condition=Q(progress__gte=0) & Q(progress__lte=100),
                                   name="milestone_progress_moved_percent"),
        ]

    def __str__(self):
        return f"{self.milestone_id}: {self.before} → {self.progress}"


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SECRETARY = "secretary", _("Secretary")
    MEMBER = "member", _("Member")


class SignOff(models.TextChoices):
    SIGNED = "signed", _("Signed the handover act")
    REFUSED = "refused", _("Refused to sign")


@audited()
class OversightMember(TimeStamped):
    """A resident named to the project's community oversight committee (Mexico's
    contraloría social). Name and contact are personal data: never on a public page, an
    export or the public API. The findings are public, with the committee role only."""

    project = models.ForeignKey("matching.Project", models.PROTECT,
                                related_name="oversight_members")
    full_name = models.CharField(_("full name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=200, blank=True,
                               help_text=_("Phone or address; never published."))
    role = models.CharField(_("role in the committee"), max_length=20,
                            choices=CommitteeRole.choices, default=CommitteeRole.MEMBER)
    sign_off = models.CharField(_("handover act"), max_length=10, choices=SignOff.choices,
                                blank=True)
    sign_off_on = models.DateField(_("date"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True,
                                help_text=_("What the member found when checking the works; "
                                            "published without the name."))
    added_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("oversight committee member")
        constraints = [
            models.CheckConstraint(
                condition=Q(sign_off="", sign_off_on__isnull=True)
                | (~Q(sign_off="") & Q(sign_off_on__isnull=False)),
                name="oversight_sign_off_dated"),
        ]

    def __str__(self):
        return f"{self.project_id} {self.get_role_display()}"
