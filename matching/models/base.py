"""Shared field helpers and the audit decorator used by every model."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

import pghistory
import pgtrigger

CURRENCY_VALIDATOR = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code."))


def stored_name(folder: str, filename: str) -> str:
    """Where an upload is stored: a name of ours in `folder`, never the uploader's (no path
    tricks), keeping only the file's suffix."""
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"{folder}/{uuid.uuid4().hex}.{suffix}"


def money_field(verbose_name, **kwargs) -> models.DecimalField:
    """An amount in minor-unit precision; its currency is a sibling field."""
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, **kwargs)


def currency_field(verbose_name=_("currency"), **kwargs) -> models.CharField:
    return models.CharField(verbose_name, max_length=3, validators=[CURRENCY_VALIDATOR], **kwargs)


def currency_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(**{f"{field}__regex": r"^[A-Z]{3}$"}),
                                  name=name)


def audited(*, exclude: list[str] | None = None, deletes: bool = True,
            statement_inserts: bool = False, statement_updates: bool = False):
    """Record every insert, update (and delete) of the model, with the acting user.

    Triggers, not signals: bulk and raw SQL writes are captured too. `statement_inserts`:
    inserts are recorded by one trigger per statement instead of one per row (the same audit
    rows, written by one INSERT … SELECT from the statement's transition table, with the
    context looked up once): for tables written in bulk. `statement_updates`: the same for
    updates (one audit row for each row that changed, as the row trigger writes), for the
    tables whose cached totals the ledger moves a thousand rows at a time: a row trigger runs
    a PL/pgSQL function with its own subtransaction for every row, and inside a long
    transaction that cost grew with every correction already made (bench/README.md,
    "Re-matching").
    """
    row = pgtrigger.Row
    trackers = [pghistory.InsertEvent(level=pgtrigger.Statement if statement_inserts else row),
                pghistory.UpdateEvent(level=pgtrigger.Statement if statement_updates else row)]
    if deletes:
        trackers.append(pghistory.DeleteEvent())

    def wrap(model):
        return pghistory.track(*trackers, exclude=exclude,
                               model_name=f"{model.__name__}Audit")(model)

    return wrap


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
