"""The shared body of the import_pledges, import_receipts and import_rates commands."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ..errors import ServiceError
from ..models import ImportMode, User
from . import run_import
from .engine import file_size_problem


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="CSV or XLSX file")
        parser.add_argument("--user", required=True,
                            help="username of the clerk or administrator importing")
        parser.add_argument("--valid-only", action="store_true",
                            help="import the valid rows even if others are refused")

    def options_for_import(self, options) -> dict:
        return {}

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {options['user']!r}.")
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        mode = ImportMode.VALID_ROWS if options["valid_only"] else ImportMode.ALL_OR_NOTHING
        problem = file_size_problem(path.stat().st_size)  # before reading it into memory
        if problem:
            raise CommandError(problem)
        try:
            batch, created = run_import(kind=self.kind, filename=path.name,
                                        content=path.read_bytes(), actor=user, mode=mode,
                                        **self.options_for_import(options))
        except ServiceError as error:
            raise CommandError(error.message) from None
        if not created:
            self.stdout.write(f"Already imported as batch {batch.pk}: nothing written.")
            return
        self.stdout.write(f"Batch {batch.pk}: {batch.get_status_display()}; "
                          f"{batch.rows_created} imported, {batch.rows_skipped} already there, "
                          f"{batch.rows_failed} refused.")
        for row in batch.rows.filter(outcome="failed").order_by("line")[:200]:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in row.errors.items())
            self.stderr.write(f"line {row.line}: {problems}")
        if batch.rows_failed and batch.rows_created == 0:
            raise CommandError("Nothing imported.")
