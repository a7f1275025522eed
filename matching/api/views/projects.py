"""Projects: list with filters and search, detail with the funding waterfall, the ledger and
the timeline (status changes and decisions with their reasons, evidence, match computations)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from ... import policies
from ...models import Evidence, LedgerEntry, MatchRecord, Project, StatusChange
from ...prepared import page_per_mahalla, per_mahalla_ids, prepared_cursor, prepared_values
from ...waterfall import waterfall_of
from ..base import Cursor, ScopedViewSet
from ..filters import ProjectFilter
from ..serializers.projects import (DETAIL_NAMES, DETAIL_SQL, LIST_JOINS, LIST_VALUES,
                                    LedgerEntrySerializer,
                                    ProjectDetailSerializer, ProjectListSerializer,
                                    TimelineSerializer, detail_data, list_rows)


# the list's rows, built once: a request only clones it, scopes, filters and pages it
LIST_ROWS = Project.objects.values(*LIST_VALUES, **LIST_JOINS)
LIST_IDS = per_mahalla_ids(Project)
BIGINT_MAX = 2**63 - 1


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
        # equal), instead of 50 model instances through 17 serializer fields each; read with
        # a prepared statement, as PostgreSQL takes longer to plan the join than to run it.
        mahallas = policies.scope_mahallas_sql(request.user)
        if mahallas is None:
            rows = prepared_values(self.filter_queryset(self.scope(LIST_ROWS.all())))
        else:  # a clerk's, an officer's: read mahalla by mahalla, stopped after the page
            rows = page_per_mahalla(self.filter_queryset(LIST_IDS.all()), mahallas, LIST_ROWS)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(list_rows(page))

    @extend_schema(summary="A project with its funding waterfall")
    def retrieve(self, request, *args, **kwargs):
        # the API's second hot path: hand-written SQL, scoped, prepared (no filter set, no
        # ORM compilation); the response is the serializer's (tests hold them equal)
        pk = int(self.kwargs["pk"])  # digits, by the route
        if pk > BIGINT_MAX:
            raise Http404
        scope, params = policies.scope_sql(request.user)
        with prepared_cursor() as cursor:
            cursor.execute(DETAIL_SQL.format(scope=scope), {**params, "pk": pk})
            found = cursor.fetchone()
        if found is None:
            raise Http404
        row = dict(zip(DETAIL_NAMES, found))
        rows = waterfall_of(row["id"], row["association_name"], row["received"])
        return Response(detail_data(row, rows))

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
            "changes": StatusChange.objects.filter(project=project)
            .select_related("actor", "confirmed_by"),
            "evidence": Evidence.objects.filter(project=project),
            "matches": MatchRecord.objects.filter(project=project)
            .select_related("scheme_version"),
        }
        return Response(TimelineSerializer(data).data)
