"""The match-preview contract shared by the command and the API endpoint."""

from django.utils.translation import gettext

from . import rules_input
from .models import SchemeVersion


def stored_rules(code: str) -> dict:
    """The latest published rules of the scheme `code` (KeyError when unknown)."""
    version = (SchemeVersion.objects.filter(scheme__code=code).order_by("-number")
               .values("rules").first())
    if version is None:
        raise KeyError(code)
    return version["rules"]


def run_preview(data) -> dict:
    """Parse, compute and return the output JSON, steps in the active language.

    Raises rules.RulesError with field errors on bad input.
    """
    return rules_input.preview(data, resolve_scheme=stored_rules, translate=gettext)


__all__ = ["run_preview", "stored_rules"]
