"""python manage.py seed_demo [--projects N]

Without options: the demo programme (real places, associations, schemes, projects in every
state), idempotent. With --projects N: also N generated projects for benchmarks, with their
commitments, tranches and ledger entries, in bulk.
"""

from django.core.management.base import BaseCommand

from matching.demo import bulk, seed


class Command(BaseCommand):
    help = "Load demo data (idempotent); --projects N adds a large generated data set."

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=0,
                            help="generate this many extra projects for benchmarks")

    def handle(self, *args, **options):
        logins = seed.seed()
        if options["projects"]:
            made = bulk.generate(options["projects"], progress=self.stdout.write)
            self.stdout.write(f"generated {made} projects")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at "
                                             "http://127.0.0.1:8000/ with password "
                                             f"'{seed.PASSWORD}' as:"))
        for username, what in logins:
            self.stdout.write(f"  {username:<12} {what}")
