"""Projects: list with filters and search, detail with the funding waterfall, the ledger and
the timeline (status changes and decisions with their reasons, evidence, match computations)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from ...models import Evidence, LedgerEntry, MatchRecord, Project, StatusChange
from ...waterfall import waterfall
from ..base import Cursor, ScopedViewSet
from ..filters import ProjectFilter
from ..serializers.projects import (LIST_JOINS, LIST_VALUES, LedgerEntrySerializer,
                                    ProjectDetailSerializer, ProjectListSerializer,
                                    TimelineSerializer, detail_data, list_row)


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Project.objects.select_related("mahalla__district__region", "association",
                                              "scheme")
    pagination_class = Cursor
    filter_backends = [*ScopedViewSet.filter_backends, filters.SearchFilter]
    filterset_class = ProjectFilter
    search_fields = ["code", "title", "mahalla__name"]

    def get_serializer_class(self):
        return ProjectListSerializer if self.action == "list" else ProjectDetailSerializer

    @extend_schema(summary="Projects in the caller's scope, newest first",
                   responses=ProjectListSerializer(many=True))
    def list(self, request, *args, **kwargs):
        # The hot path of the API (bench/README.md): rows straight from `.values()` with the
        # names joined in SQL, shaped like ProjectListSerializer's output (a test holds them
        # equal), instead of 50 model instances through 17 serializer fields each.
        rows = self.filter_queryset(self.get_queryset()).values(*LIST_VALUES, **LIST_JOINS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response([list_row(row) for row in page])

    @extend_schema(summary="A project with its funding waterfall")
    def retrieve(self, request, *args, **kwargs):
        # scoped, but without the list's filter set (django-filter rebuilds it per request)
        project = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return Response(detail_data(project, waterfall(project)))

    def _project(self) -> Project:
        return get_object_or_404(self.scope(Project.objects.only("pk")), pk=self.kwargs["pk"])

    @extend_schema(summary="The project's ledger, oldest first",
                   responses=LedgerEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=type(
        "LedgerCursor", (Cursor,), {"ordering": "id"}), filter_backends=[])
    def ledger(self, request, pk=None):
        project = self._project()
        entries = LedgerEntry.objects.filter(project=project)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(LedgerEntrySerializer(page, many=True).data)

    @extend_schema(summary="Status changes and decisions with reasons, evidence, matches",
                   responses=TimelineSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def timeline(self, request, pk=None):
        project = self._project()
        data = {
            "changes": StatusChange.objects.filter(project=project).select_related("actor"),
            "evidence": Evidence.objects.filter(project=project),
            "matches": MatchRecord.objects.filter(project=project)
            .select_related("scheme_version"),
        }
        return Response(TimelineSerializer(data).data)
