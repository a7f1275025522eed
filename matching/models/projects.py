"""Projects from submission to handover, their timeline and their evidence."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import ProjectQuerySet, ScopedQuerySet
from .base import (TimeStamped, audited, currency_check, currency_field, money_field,
                   stored_name)
from .schemes import Category


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    CONDITIONALLY_APPROVED = "conditionally_approved", _("Conditionally approved")
    DEFERRED = "deferred", _("Deferred")
    REJECTED = "rejected", _("Rejected")
    FUNDING = "funding", _("Funding")
    FUNDED = "funded", _("Funded")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")


class ExecutorKind(models.TextChoices):
    CONTRACTOR = "contractor", _("Contractor")
    COMMUNITY = "community", _("Community (hashar)")
    HOKIMIYAT = "hokimiyat", _("District administration")


@audited(statement_updates=True)  # totals moved in bulk by the ledger
class Project(TimeStamped):
    """A piece of community infrastructure in one mahalla.

    `cost` is the eligible cost in the scheme currency. The money fields below it are cached
    sums of the ledger, kept in the same transaction as each entry (verify_ledger checks them).
    """

    code = models.CharField(_("code"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    mahalla = models.ForeignKey("matching.Mahalla", models.PROTECT, related_name="projects",
                                verbose_name=_("mahalla"))
    association = models.ForeignKey("matching.MigrantAssociation", models.PROTECT,
                                    related_name="projects", verbose_name=_("association"))
    scheme = models.ForeignKey("matching.Scheme", models.PROTECT, related_name="projects",
                               verbose_name=_("scheme"))
    scheme_version = models.ForeignKey("matching.SchemeVersion", models.PROTECT, null=True,
                                       blank=True, related_name="projects",
                                       help_text=_("The rules it was approved under."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    cost = money_field(_("eligible cost"))
    currency = currency_field()
    executor = models.CharField(_("executor"), max_length=200, blank=True)
    executor_kind = models.CharField(_("executor kind"), max_length=20,
                                     choices=ExecutorKind.choices, default=ExecutorKind.CONTRACTOR)
    status = models.CharField(_("status"), max_length=30, choices=ProjectStatus.choices,
                              default=ProjectStatus.DRAFT)
    deadline = models.DateField(_("planned completion"), null=True, blank=True)
    conditions = models.TextField(_("conditions of approval"), blank=True)
    created_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    submitted_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # cached from the ledger, in the scheme currency
    received = money_field(_("association money received"), default=0, editable=False)
    matched = money_field(_("matched by co-funders"), default=0, editable=False)
    disbursed = money_field(_("disbursed to the executor"), default=0, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("project")
        indexes = [
            models.Index(fields=["status", "scheme"], name="project_status_scheme"),
            models.Index(fields=["mahalla", "status"], name="project_mahalla_status"),
            models.Index(fields=["-created_at", "-id"], name="project_newest"),
            # a scope's page, newest first, read in order and stopped after a page: an
            # association's directly, a clerk's or an officer's one mahalla at a time
            # (matching/prepared.py, bench/README.md)
            models.Index(fields=["association", "-id"], name="project_association_newest"),
            models.Index(fields=["mahalla", "-id"], name="project_mahalla_newest"),
        ]
        constraints = [
            currency_check("currency", "project_currency_iso"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="project_cost_positive"),
            models.CheckConstraint(condition=Q(received__gte=0), name="project_received_not_negative"),
            models.CheckConstraint(condition=Q(matched__gte=0), name="project_matched_not_negative"),
            models.CheckConstraint(condition=Q(disbursed__gte=0),
                                   name="project_disbursed_not_negative"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


@audited(deletes=False)
class StatusChange(models.Model):
    """The project's timeline: every transition and decision, its reason and its author."""

    project = models.ForeignKey(Project, models.PROTECT, related_name="timeline")
    from_status = models.CharField(max_length=30, choices=ProjectStatus.choices, blank=True)
    to_status = models.CharField(max_length=30, choices=ProjectStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    # a decision above the scheme's second-officer threshold: `actor` took it, this officer
    # confirmed it (models.decisions.PendingDecision)
    confirmed_by = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    # the evidence the change rests on (conditions met)
    evidence = models.ForeignKey("matching.Evidence", models.PROTECT, null=True, blank=True,
                                 related_name="status_changes", verbose_name=_("evidence"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["project", "at", "id"]
        verbose_name = _("status change")

    def __str__(self):
        return f"{self.project_id}: {self.from_status} → {self.to_status}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo of works")
    HANDOVER_ACT = "handover_act", _("Handover act")
    PROGRESS_REPORT = "progress_report", _("Progress report")
    DISBURSEMENT = "disbursement", _("Disbursement evidence")
    OTHER = "other", _("Other document")


def evidence_path(instance, filename):
    return stored_name(f"evidence/{instance.project_id}", filename)


def evidence_copy_path(instance, filename):
    """Thumbnails and public copies sit beside the evidence, under names of ours too."""
    return evidence_path(instance, filename).replace("evidence/", "evidence/copies/", 1)


@audited()
class Evidence(models.Model):
    project = models.ForeignKey(Project, models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path)
    description = models.CharField(_("description"), max_length=300, blank=True)
    quantity = models.CharField(_("measured quantity"), max_length=100, blank=True,
                                help_text=_("e.g. 1.2 km of pipe, 300 m² of roof"))
    uploaded_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    progress_report = models.ForeignKey("matching.ProgressReport", models.PROTECT, null=True,
                                        blank=True, related_name="photos",
                                        verbose_name=_("progress report"))
    # Photos (matching/photos.py): a small thumbnail and a copy without the file's metadata,
    # which is what the public sees; the original keeps its EXIF for those in scope.
    thumbnail = models.FileField(_("thumbnail"), upload_to=evidence_copy_path, blank=True)
    public_copy = models.FileField(_("copy without metadata"), upload_to=evidence_copy_path,
                                   blank=True)
    # read from the photo's EXIF where present; never published
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "uploaded_at"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.project_id})"
