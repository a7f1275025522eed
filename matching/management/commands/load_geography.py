"""Load the official divisions of Uzbekistan, Tajikistan and Kyrgyzstan (matching/data/geo)."""

from django.core.management.base import BaseCommand, CommandError

from ...errors import ServiceError
from ...services.geography import COUNTRIES, geography_load


class Command(BaseCommand):
    help = ("Load regions and districts (and, with --settlements, Uzbekistan's settlements as "
            "mahalla-level units) from matching/data/geo. Idempotent: official codes are the "
            "keys; units that the data does not list are left as they were and reported.")

    def add_arguments(self, parser):
        parser.add_argument("--country", action="append", choices=sorted(COUNTRIES),
                            help="Only this country (repeatable). Default: all three.")
        parser.add_argument("--settlements", action="store_true",
                            help="Also load Uzbekistan's 2,630 settlements as mahallas.")

    def handle(self, *args, country=None, settlements=False, **options):
        try:
            reports = geography_load(actor=None, countries=country, settlements=settlements)
        except ServiceError as error:
            raise CommandError(error.message) from error
        for report in reports:
            for line in report.lines():
                self.stdout.write(line)
