from matching.imports.command import ImportCommand
from matching.models import ImportKind


class Command(ImportCommand):
    help = ("Import daily exchange rates from a central bank table (CSV or XLSX with code, "
            "rate, date and optionally nominal), e.g. the Central Bank of Uzbekistan's.")
    kind = ImportKind.RATES

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--quote", default="UZS", help="the currency the rates are in")
        parser.add_argument("--source", default="Central Bank of Uzbekistan")

    def options_for_import(self, options) -> dict:
        return {"quote": options["quote"].upper(), "source": options["source"]}
