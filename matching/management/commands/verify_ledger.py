"""python manage.py verify_ledger

Recompute every cached total (projects, commitments, tranches, envelopes) from the ledger and
report each difference; exit status 1 when there is one. A nightly Celery task runs the same.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum

from matching import ledger
from matching.models import LedgerEntry


class Command(BaseCommand):
    help = "Check every cached money total against the append-only ledger."

    def handle(self, *args, **options):
        differences = ledger.verify()
        totals = LedgerEntry.objects.aggregate(entries=Count("id"), sum=Sum("amount"))
        for difference in differences:
            self.stderr.write(str(difference))
        if differences:
            raise CommandError(f"{len(differences)} cached totals disagree with the ledger")
        self.stdout.write(self.style.SUCCESS(
            f"ledger verified: {totals['entries']} entries, every cached total agrees"))
