"""python manage.py recompute_matches --fiscal-year 2026 [--user admin] [--background]

Recompute the matches of every open project of the year; correct and list those that drifted.
With --background, start the job that the administrators' page starts (a worker runs it; its
page and `GET /api/v1/jobs/{id}/` show its progress) and print its number.
"""

from django.core.management.base import BaseCommand, CommandError

from matching.errors import ServiceError
from matching.models import User
from matching.services import matches_recompute
from matching.services.jobs import recompute_job_start


class Command(BaseCommand):
    help = "Recompute every open project's match for a fiscal year."

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, required=True)
        parser.add_argument("--user", default="admin", help="who the corrections are booked to")
        parser.add_argument("--background", action="store_true",
                            help="run it as a background job (a worker must be running)")

    def handle(self, *args, **options):
        actor = User.objects.filter(username=options["user"]).first()
        if actor is None:
            raise CommandError(f"no user {options['user']!r}")
        if options["background"]:
            try:
                job = recompute_job_start(actor=actor, fiscal_year=options["fiscal_year"])
            except ServiceError as error:
                raise CommandError(error.message) from None
            self.stdout.write(f"Job {job.pk} queued: /jobs/{job.pk}/")
            return
        summary = matches_recompute(fiscal_year=options["fiscal_year"], actor=actor)
        self.stdout.write(f"{summary.projects} projects recomputed, "
                          f"{len(summary.changed)} corrected: {summary.changed[:20]}")
