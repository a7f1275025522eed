"""Filters of the project list."""

import django_filters

from ..models import Category, Project, ProjectStatus


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
