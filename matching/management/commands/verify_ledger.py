"""python manage.py verify_ledger

Recompute every cached total (projects, commitments, tranches, envelopes) from the ledger and
report each difference; exit status 1 when there is one. A nightly Celery task runs the same.
Each run's result is kept (LedgerCheck) and shown on the auditor's pages.
"""

from django.core.management.base import BaseCommand, CommandError
from matching import ledger
from matching.models import CheckSource


class Command(BaseCommand):
    help = "Check every cached money total against the append-only ledger."

    def handle(self, *args, **options):
        result = ledger.check(CheckSource.COMMAND)
        for d in result.differences:
            self.stderr.write(f"{d['model']} #{d['id']} {d['field']}: cached {d['cached']}, "
                              f"ledger says {d['ledger']}")
        if result.differences:
            raise CommandError(f"{len(result.differences)} cached totals disagree with the "
                               "ledger")
        self.stdout.write(self.style.SUCCESS(
            f"ledger verified: {result.entries} entries, every cached total agrees"))
