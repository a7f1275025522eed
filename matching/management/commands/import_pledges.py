from matching.imports.command import ImportCommand
from matching.models import ImportKind


class Command(ImportCommand):
    help = "Import pledges (project, amount, currency, expected_on) from a CSV or XLSX file."
    kind = ImportKind.PLEDGES
