"""The filters of the report pages and downloads, read from the query string."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .common import Filters


class FilterForm(forms.Form):
    year = forms.IntegerField(label=_("Fiscal year"), required=False, min_value=2000,
                              max_value=2100)
    scheme = forms.SlugField(label=_("Scheme"), required=False, max_length=40)
    table = forms.SlugField(label=_("Table"), required=False, max_length=40)

    def filters(self, **scope) -> Filters:
        data = self.cleaned_data
        return Filters(year=data.get("year"), scheme=data.get("scheme") or "", **scope)
