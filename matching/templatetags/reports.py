"""Template helpers of the report pages (reports/display.py does the formatting)."""

from django import template

from ..reports import display

register = template.Library()


@register.simple_tag
def report_rows(table):
    """The table's rows as the page shows them: a list of cells (label, text, numeric)."""
    return display.page_rows(table)


@register.simple_tag
def explained_columns(table):
    return display.explained(table)
