"""Long work done in the background: a file imported, a whole-programme export built, a fiscal
year re-matched. One row per job, with its progress, its author and what came of it."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..querysets import JobQuerySet
from .base import audited


class JobKind(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    RECOMPUTE = "recompute", _("Re-matching of a fiscal year")
    ALLOCATION = "allocation", _("Allocation of a call")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for a worker")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


# progress and heartbeats change every second while a job runs: the trail records who started,
# cancelled and finished a job, not each tick of its progress bar
@audited(exclude=["rows_done", "rows_total", "step", "steps", "stage", "heartbeat_at",
                  "enqueued_at"])
class Job(models.Model):
    """One long piece of work and its progress.

    The author is whoever started it; a visitor's export of public data (no account) belongs
    to the visitor's session instead. The work runs in a Celery worker (matching/jobs): the
    worker claims the job, reports its progress from a connection of its own (the work's
    transaction is not committed until the end, and an all-or-nothing import must stay so),
    and checks between chunks whether its author asked to cancel, which rolls the work back.

    A worker that dies mid-job leaves it `running` with a heartbeat that stops: the task comes
    back (acks_late) and takes over once the dead attempt's session lock is gone, or beat's
    sweeper re-queues it, or marks it failed with the reason after MAX_ATTEMPTS. An import
    names its job (`ImportBatch.job`), so a job whose import committed is never imported again.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    author = models.ForeignKey("matching.User", models.PROTECT, null=True, blank=True,
                               related_name="jobs", verbose_name=_("author"))
    session_key = models.CharField(_("visitor's session"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices,
                              default=JobStatus.QUEUED)
    # what to do: the import's kind, mode and file name; the export's report, format and
    # filters; the fiscal year to re-match
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    upload = models.FileField(_("uploaded file"), upload_to="jobs/in/%Y/%m/", blank=True)
    # progress of the current step ("checking rows", "writing"): rows done of rows_total
    stage = models.CharField(_("stage"), max_length=30, blank=True)
    step = models.PositiveSmallIntegerField(_("step"), default=0)
    steps = models.PositiveSmallIntegerField(_("steps"), default=1)
    rows_done = models.PositiveBigIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveBigIntegerField(_("rows in all"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # last handed to the broker: beat's sweeper hands a job again that no worker took up for
    # a long while (the broker was down at commit time, or lost its queue)
    enqueued_at = models.DateTimeField(_("handed to the workers at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    cancel_requested_at = models.DateTimeField(_("cancel asked at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    # what came of it: the import's batch names its job (ImportBatch.job); an export's file;
    # a short summary (re-matching: projects checked and corrected)
    result_file = models.FileField(_("result file"), upload_to="jobs/out/%Y/%m/", blank=True)
    result_name = models.CharField(_("download name"), max_length=200, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        constraints = [
            models.CheckConstraint(condition=Q(author__isnull=False) | ~Q(session_key=""),
                                   name="job_has_an_owner"),
            models.CheckConstraint(condition=Q(rows_total__isnull=True)
                                   | Q(rows_done__lte=models.F("rows_total")),
                                   name="job_progress_within_total"),
        ]
        indexes = [
            models.Index(fields=["author", "-created_at"], name="job_author_recent"),
            models.Index(fields=["heartbeat_at"], condition=Q(status="running"),
                         name="job_running_heartbeat"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def fraction(self) -> float:
        """How much of the whole job is done, 0 to 1, from the step and its rows (an estimate:
        steps are counted as equal)."""
        if self.status == JobStatus.SUCCEEDED:
            return 1.0
        steps = max(self.steps, 1)
        within = (self.rows_done / self.rows_total) if self.rows_total else 0.0
        return min(1.0, (max(self.step - 1, 0) + within) / steps)
