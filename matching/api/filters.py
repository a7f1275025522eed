"""Filters of the project list."""

import django_filters
from django_filters.rest_framework import DjangoFilterBackend

from ..models import Category, Project, ProjectStatus, Tranche


class ProjectFilter(django_filters.FilterSet):
    region = django_filters.NumberFilter(field_name="mahalla__district__region_id")
    district = django_filters.NumberFilter(field_name="mahalla__district_id")
    mahalla = django_filters.NumberFilter(field_name="mahalla_id")
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    scheme = django_filters.CharFilter(field_name="scheme__code")
    fiscal_year = django_filters.NumberFilter(field_name="scheme__fiscal_year")

    class Meta:
        model = Project
        fields = ["region", "district", "mahalla", "status", "category", "scheme",
                  "fiscal_year"]


class TrancheFilter(django_filters.FilterSet):
    project = django_filters.NumberFilter(field_name="commitment__project_id")
    paid = django_filters.BooleanFilter(field_name="paid_on", lookup_expr="isnull",
                                        exclude=True)

    class Meta:
        model = Tranche
        fields = ["project", "paid"]


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds the filter set (deep copies of every filter) only
    when the request names one of its filters: most list requests name none."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(request.query_params) & set(
                filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)
