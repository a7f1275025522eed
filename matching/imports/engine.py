"""What every import shares: the file's hash, the batch, the all-or-nothing choice, the
per-row report and the audit context.

A kind of import supplies either `validate(rows, actor) -> list[Row]` and `write(valid,
actor) -> list[object id]` (a few queries for the whole file, then bulk inserts), or
`import_staged(rows, actor=, open_batch=)`, which stages the file in a temporary table and
checks and writes it in SQL (pledges: 100,000 rows are too many for Django objects). Either
runs inside one transaction, after the kind has locked what it needs, so the rows are checked
against the state they will be written into.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import JSONField, Value
from django.utils.translation import gettext as _

from .. import policies
from ..jobs.progress import NO_PROGRESS
from ..errors import Conflict, Forbidden, InvalidInput
from ..models import (ImportBatch, ImportKind, ImportMode, ImportRow, ImportStatus, Pledge,
                      Role, RowOutcome)

BULK = 2000


@dataclass
class Row:
    line: int
    data: dict = field(default_factory=dict)  # parsed values, when valid
    errors: dict[str, list[str]] = field(default_factory=dict)
    key: str = ""
    skipped: bool = False  # already imported (by an earlier file): nothing to do

    def fail(self, field_name: str, message: str) -> None:
        self.errors.setdefault(field_name, []).append(str(message))

    @property
    def ok(self) -> bool:
        return not self.errors and not self.skipped


# what a file of each kind does, in the policy's words: whoever may record a pledge or a
# receipt on a page may import a file of them (for the projects in her scope)
IMPORT_ACTIONS = {ImportKind.PLEDGES: "pledge", ImportKind.RECEIPTS: "receipt"}


def may_import(user, kind: str) -> bool:
    """Pledges and receipts: whoever may record them (policies: clerks; association users
    pledge through the API); exchange rates: the administrators alone."""
    if kind == ImportKind.RATES:
        return policies.role_of(user) == Role.ADMINISTRATOR
    return policies.role_may(user, IMPORT_ACTIONS[kind])


def file_size_problem(size: int) -> str | None:
    """The one limit on an imported file, for the upload page and the commands alike."""
    if size > settings.UPLOAD_MAX_BYTES:
        return _("The file is larger than %(mb)s MB.") % {
            "mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)}
    return None


def file_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def run(*, kind: str, filename: str, content: bytes, actor, mode: str, importer,
        progress=NO_PROGRESS, job=None) -> tuple[ImportBatch, bool]:
    """Import a file; returns (batch, created). A file the actor already imported returns
    her batch and writes nothing. The same file from someone else is imported as a batch of
    the actor's own: its rows already imported are skipped, so nothing is written twice.

    Run by a background job, the rows are counted on its `progress` (reading, checking,
    writing), which raises JobCancelled between chunks when the author cancels: the one
    transaction rolls back, whatever the mode. The batch names the `job`."""
    if not may_import(actor, kind):
        raise Forbidden(_("You may not import %(kind)s.") % {"kind": ImportKind(kind).label})
    if mode not in ImportMode.values:
        raise InvalidInput(_("Choose how to treat invalid rows."), field="mode")
    problem = file_size_problem(len(content))
    if problem:
        raise InvalidInput(problem, field="file")
    digest = file_hash(content)
    earlier = earlier_batch(kind, digest, actor)
    if earlier is not None:
        return earlier, False
    progress.plan(getattr(importer, "STEPS", 3))
    progress.step("reading")
    rows = importer.read(filename, content)
    try:
        with transaction.atomic(), pghistory.context(user=actor.pk, service=f"import_{kind}"):
            return _import(kind, filename, digest, rows, actor, mode, importer, progress,
                           job), True
    except IntegrityError:
        # the same file, uploaded by the same person a moment ago (a double click), won the
        # unique index; or another import recorded one of the file's receipts first
        earlier = earlier_batch(kind, digest, actor)
        if earlier is None:
            raise Conflict(_("The import collided with another one: upload the file again."))
        return earlier, False


def earlier_batch(kind: str, digest: str, actor) -> ImportBatch | None:
    """The actor's own batch of this file, if it wrote anything."""
    return ImportBatch.objects.filter(kind=kind, sha256=digest, uploaded_by=actor).exclude(
        status=ImportStatus.REFUSED).first()


def _import(kind, filename, digest, raw_rows, actor, mode, importer, progress, job) \
        -> ImportBatch:
    def open_batch(*, total: int, failed: int, skipped: int, valid: int) \
            -> tuple[ImportBatch, bool]:
        return _open_batch(kind=kind, filename=filename, digest=digest, mode=mode,
                           actor=actor, total=total, failed=failed, skipped=skipped,
                           valid=valid, job=job)

    if hasattr(importer, "import_staged"):  # checked and written in SQL (see pledges.py)
        return importer.import_staged(raw_rows, actor=actor, open_batch=open_batch,
                                      progress=progress)
    progress.step("checking", total=len(raw_rows))
    rows = importer.validate(raw_rows, actor, progress)
    failed = [r for r in rows if r.errors]
    valid = [r for r in rows if r.ok]
    batch, write = open_batch(total=len(rows), failed=len(failed), valid=len(valid),
                              skipped=sum(1 for r in rows if r.skipped))
    progress.step("writing", total=len(valid) if write else 0)
    ids = importer.write(valid, actor, batch, progress) if write and valid else []
    created = dict(zip((r.line for r in valid), ids))
    ImportRow.objects.bulk_create([
        ImportRow(batch=batch, kind=kind, line=r.line, errors=r.errors,
                  key=r.key if r.line in created else "", object_id=created.get(r.line),
                  outcome=(RowOutcome.FAILED if r.errors else RowOutcome.SKIPPED if r.skipped
                           else RowOutcome.CREATED if r.line in created
                           else RowOutcome.NOT_IMPORTED))
        for r in rows], batch_size=BULK)
    return batch


def report_rows(batch: ImportBatch):
    """Every row of the file: (line, outcome, errors, object id), in line order.

    A pledge import keeps a report row for each row it did not import (refused, already
    imported, or valid but not imported); the pledges it imported name their batch and line
    (pledges.py), and are listed from there."""
    rows = batch.rows.values_list("line", "outcome", "errors", "object_id")
    if batch.kind != ImportKind.PLEDGES:
        return rows.order_by("line")
    imported = Pledge.objects.filter(import_batch=batch).order_by().values_list(
        "import_line", Value(RowOutcome.CREATED.value),
        Value({}, output_field=JSONField()), "pk")
    return rows.exclude(outcome=RowOutcome.CREATED).order_by().union(
        imported, all=True).order_by("line")


def _open_batch(*, kind, filename, digest, mode, actor, total, failed, skipped, valid,
                job=None) -> tuple[ImportBatch, bool]:
    """The batch row, with its counts and status; and whether its valid rows are written
    (all-or-nothing writes nothing when a row failed)."""
    write = not failed or mode == ImportMode.VALID_ROWS
    if not write:
        status = ImportStatus.REFUSED
    elif failed:
        status = ImportStatus.PARTIAL
    else:
        status = ImportStatus.IMPORTED
    batch = ImportBatch.objects.create(
        kind=kind, sha256=digest, filename=filename[:200], mode=mode, status=status,
        rows_total=total, rows_created=valid if write else 0, rows_skipped=skipped,
        rows_failed=failed, uploaded_by=actor, job=job)
    return batch, write
