"""python manage.py match_preview --input FILE  (or - for standard input)

The match-preview contract (same JSON in and out as POST /api/v1/match-preview/).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from matching.preview import run_preview
from matching.rules import RulesError


class Command(BaseCommand):
    help = "Compute a match from rules (or a stored scheme), a cost and the money received."

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="a JSON file, or - for stdin")

    def handle(self, *args, **options):
        source = options["input"]
        try:
            text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()
        except OSError as error:
            raise CommandError(f"cannot read {source}: {error.strerror}") from None
        try:
            data = json.loads(text)
        except ValueError as error:
            raise CommandError(f"not JSON: {error}") from None
        try:
            result = run_preview(data)
        except RulesError as error:
            raise CommandError(json.dumps({"errors": error.errors}, ensure_ascii=False)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
