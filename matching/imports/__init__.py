"""Bulk imports: pledges and receipts from CSV or XLSX, exchange rates from central bank
tables. `run_import()` is the one entry point for the upload pages and the commands."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ..errors import InvalidInput
from ..jobs.progress import NO_PROGRESS
from ..models import ImportBatch, ImportKind
from ..text import control_problem
from . import pledges, receipts
from .engine import may_import, run
from .rates import RatesImporter


def run_import(*, kind: str, filename: str, content: bytes, actor, mode: str,
               quote: str = "UZS", source: str = "Central Bank of Uzbekistan",
               progress=NO_PROGRESS, job=None) -> tuple[ImportBatch, bool]:
    """Import one file of `kind`; returns (batch, created). See engine.run."""
    problem = control_problem(source)
    if problem:
        raise InvalidInput(_(problem), field="source")
    importer = {ImportKind.PLEDGES: pledges, ImportKind.RECEIPTS: receipts}.get(kind) \
        or RatesImporter(quote=quote, source=source)
    return run(kind=kind, filename=filename, content=content, actor=actor, mode=mode,
               importer=importer, progress=progress, job=job)


__all__ = ["may_import", "run_import"]
