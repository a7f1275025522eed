"""python manage.py recompute_matches --fiscal-year 2026 [--user admin]

Recompute the matches of every open project of the year; correct and list those that drifted.
"""

from django.core.management.base import BaseCommand, CommandError

from matching.models import User
from matching.services import matches_recompute


class Command(BaseCommand):
    help = "Recompute every open project's match for a fiscal year."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True)
        parser.add_argument("--user", default="admin", help="who the corrections are booked to")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"]).first()
        if actor is None:
            raise CommandError(f"no user {options['user']!r}")
        summary = matches_recompute(fiscal_year=options["fiscal_year"], actor=actor)
        self.stdout.write(f"{summary.projects} projects recomputed, "
                          f"{len(summary.changed)} corrected: {summary.changed[:20]}")
