from matching.imports.command import ImportCommand
from matching.models import ImportKind


class Command(ImportCommand):
    help = ("Import receipts (project, amount, currency, received_on, reference[, fee, rate]) "
            "from a CSV or XLSX file.")
    kind = ImportKind.RECEIPTS
