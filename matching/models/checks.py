"""The result of every ledger verification (the nightly task and `manage.py verify_ledger`),
kept so that the auditor sees when the books were last checked and what disagreed."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckSource(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly task")
    COMMAND = "command", _("verify_ledger command")


class LedgerCheck(models.Model):
    """One run of `ledger.verify()`. `differences` lists each cached total that disagreed:
    model, id, field, cached value and what the ledger says (decimals as strings)."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True, db_index=True)
    source = models.CharField(_("run by"), max_length=10, choices=CheckSource.choices)
    entries = models.PositiveBigIntegerField(_("ledger entries"))
    differences = models.JSONField(_("differences"), default=list, blank=True)

    class Meta:
        ordering = ["-ran_at", "-id"]
        get_latest_by = ["ran_at", "id"]
        verbose_name = _("ledger check")

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {self.source}: {len(self.differences)} differences"

    @property
    def ok(self) -> bool:
        return not self.differences
