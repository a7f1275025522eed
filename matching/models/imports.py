"""Bulk imports of pledges, receipts and exchange rates, and what became of every row."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    PLEDGES = "pledges", _("Pledges")
    RECEIPTS = "receipts", _("Receipts")
    RATES = "rates", _("Exchange rates")


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("Import nothing unless every row is valid")
    VALID_ROWS = "valid", _("Import the valid rows and list the others")


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    PARTIAL = "partial", _("Valid rows imported, others refused")
    REFUSED = "refused", _("Refused: nothing imported")


class ImportBatch(models.Model):
    """One uploaded file. Its SHA-256 is unique per kind and uploader among the files that
    wrote anything, so the same file uploaded twice by the same person (a double click, a
    retry) returns the first batch and writes nothing; a refused file can be uploaded again,
    e.g. to import only its valid rows. A colleague's upload of the same file is a batch of
    her own (a clerk sees only her own batches), whose rows already imported are skipped by
    their content key (pledges) or the receipt's reference: nothing is written twice."""

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    filename = models.CharField(_("file name"), max_length=200)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    status = models.CharField(_("status"), max_length=10, choices=ImportStatus.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_skipped = models.PositiveIntegerField(_("rows already imported"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows refused"), default=0)
    uploaded_by = models.ForeignKey("matching.User", models.PROTECT, related_name="+")
    # the background job that imported the file: one batch per job, so that a job run again
    # after its worker died (its import committed, its job not yet marked done) imports nothing
    # twice
    job = models.OneToOneField("matching.Job", models.PROTECT, null=True, blank=True,
                               related_name="import_batch", verbose_name=_("job"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(fields=["kind", "sha256", "uploaded_by"],
                                    condition=~Q(status="refused"),
                                    name="import_file_once_per_uploader"),
            models.CheckConstraint(condition=Q(sha256__regex=r"^[0-9a-f]{64}$"),
                                   name="import_sha256_hex"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} {self.filename}"


class RowOutcome(models.TextChoices):
    CREATED = "created", _("Imported")
    SKIPPED = "skipped", _("Already imported")
    FAILED = "failed", _("Refused")
    NOT_IMPORTED = "not_imported", _("Valid, not imported (another row was refused)")


class ImportRow(models.Model):
    """One row of a file: its line, outcome, errors per column, and what it created.

    `key` identifies the row's content (kind and normalised values). Receipts have their own
    natural key, the bank reference per association, which the receipt table keeps unique.
    A pledge import writes no row here for the pledges it creates: each pledge names its
    batch, line and key (`Pledge.import_*`; a pledge row already imported from another file is
    skipped rather than pledged twice), and `imports.engine.report_rows` lists both."""

    batch = models.ForeignKey(ImportBatch, models.PROTECT, related_name="rows")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    line = models.PositiveIntegerField(_("line"))
    outcome = models.CharField(_("outcome"), max_length=15, choices=RowOutcome.choices)
    errors = models.JSONField(_("errors"), default=dict, blank=True)
    key = models.CharField(max_length=64, blank=True)
    object_id = models.BigIntegerField(_("created record"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "line"]
        verbose_name = _("import row")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"],
                                    condition=Q(outcome="created") & ~Q(key=""),
                                    name="import_row_created_once"),
            models.UniqueConstraint(fields=["batch", "line"], name="import_row_unique_line"),
        ]

    def __str__(self):
        return f"{self.batch_id}:{self.line} {self.outcome}"
