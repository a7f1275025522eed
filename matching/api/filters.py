"""Filters of the API lists.

An id in a filter is only a number to compare with: it is never looked up, so an id outside
the caller's scope and one that does not exist answer alike (200, no rows), and a value that
is not a whole number is refused (400, naming the parameter) instead of rounded (`1.5`).
`tests/api/test_scope_indistinguishable.py` holds every endpoint to that.
"""

import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from ..models import (Category, DecisionStatus, DeliveryStatus, PendingDecision, Pledge,
                      PledgeStatus, Project, ProjectStatus, Receipt, ReceiptStatus, Scheme, TopUp,
                      TopUpStatus, Tranche, WebhookDelivery)

BIGINT_MAX = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=BIGINT_MAX, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """A record's id, compared as a number, never looked up (see the module's doc)."""

    field_class = IdField


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class ProjectFilter(django_filters.FilterSet):
    region = IdFilter(field_name="mahalla__district__region_id")
    district = IdFilter(field_name="mahalla__district_id")
    mahalla = IdFilter(field_name="mahalla_id")
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    scheme = django_filters.CharFilter(field_name="scheme__code", max_length=40)
    fiscal_year = WholeNumberFilter(field_name="scheme__fiscal_year")

    class Meta:
        model = Project
        fields = ["region", "district", "mahalla", "status", "category", "scheme",
                  "fiscal_year"]


@extend_schema_field({"type": "string", "enum": ["true", "false"]})
class StrictBooleanFilter(django_filters.TypedChoiceFilter):
    """true or false, nothing else (django-filter's BooleanFilter also reads "null", "1"...)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, choices=[("true", "true"), ("false", "false")],
                         coerce=lambda value: value == "true", **kwargs)


class TrancheFilter(django_filters.FilterSet):
    project = IdFilter(field_name="commitment__project_id")
    paid = StrictBooleanFilter(field_name="paid_on", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Tranche
        fields = ["project", "paid"]


def on_project(model, statuses) -> type[django_filters.FilterSet]:
    """The filter set of a record on a project: its project's id and its status."""
    meta = type("Meta", (), {"model": model, "fields": ["project", "status"]})
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), {
        "project": IdFilter(field_name="project_id"),
        "status": django_filters.ChoiceFilter(choices=statuses), "Meta": meta})


PledgeFilter = on_project(Pledge, PledgeStatus.choices)
DecisionFilter = on_project(PendingDecision, DecisionStatus.choices)
TopUpFilter = on_project(TopUp, TopUpStatus.choices)
ReceiptFilter = on_project(Receipt, ReceiptStatus.choices)


class DeliveryFilter(django_filters.FilterSet):
    endpoint = IdFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    topic = django_filters.CharFilter(max_length=60)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "topic"]


@extend_schema_field(OpenApiTypes.BOOL)
class SchemeFilter(django_filters.FilterSet):
    fiscal_year = WholeNumberFilter()
    is_active = StrictBooleanFilter()

    class Meta:
        model = Scheme
        fields = ["fiscal_year", "is_active"]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds the filter set (deep copies of every filter) only
    when the request names one of its filters: most list requests name none."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(request.query_params) & set(
                filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)
