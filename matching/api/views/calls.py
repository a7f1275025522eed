"""Calls: public reads (criteria and weights from the opening, results after the decisions);
applications read in scope, with the score sheets the caller may see; members submit their
scores."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from ... import services
from ...models import Application, Call, CallStatus, Role, ScoreSheet
from ...standings import standings
from ..base import Cursor, ScopedViewSet
from ..schema import BAD_REQUEST, SERVICE_REFUSAL
from ..serializers.calls import (ApplicationSerializer, CallSerializer, ResultSerializer,
                                 ScoreInputSerializer, SheetSerializer)


class CallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Every call past its draft, with its criteria and published weights (public)."""

    public = True
    throttle_classes = [AnonRateThrottle]
    queryset = (Call.objects.public().select_related("scheme", "region")
                .prefetch_related("criteria").order_by("-id"))
    serializer_class = CallSerializer
    pagination_class = Cursor
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_fields = ["status"]

    @extend_schema(summary="A decided call's results: every application with its scores, "
                           "decision and reason (public)",
                   responses=ResultSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, code=None):
        call = get_object_or_404(Call.objects.filter(status=CallStatus.DECIDED), code=code)
        decisions = {d.application_id: d for d in call.decisions.all()}
        rows = []
        for s in standings(call):
            a, d = s.application, decisions.get(s.application.pk)
            rows.append({"project": a.project.code, "title": a.title, "mahalla": a.mahalla.name,
                         "district": a.district.name, "cost": a.cost, "currency": a.currency,
                         "scores": {str(k): v for k, v in s.scores.items()}, "total": s.total,
                         "rank": s.position, "proposed": bool(d and d.proposed),
                         "decision": d.outcome if d else "", "reason": d.reason if d else ""})
        return Response(ResultSerializer(rows, many=True).data)


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Applications the caller may read: of the calls he runs or sits on (all, for an
    auditor), or of his own projects."""

    project_path = None  # scoped by Application.objects.visible_to
    queryset = Application.objects.all()  # the model, for the schema; get_queryset scopes it
    serializer_class = ApplicationSerializer
    pagination_class = Cursor
    filterset_fields = ["call__code"]

    def get_queryset(self):
        return (Application.objects.visible_to(self.request.user)
                .select_related("call", "project", "mahalla", "district", "association")
                .prefetch_related("values"))

    def _context(self, applications) -> dict:
        visible = {}
        for sheet in (ScoreSheet.objects.visible_to(self.request.user)
                      .filter(application__in=[a.pk for a in applications])
                      .select_related("member").prefetch_related("scores")):
            visible.setdefault(sheet.application_id, []).append(sheet)
        return {**self.get_serializer_context(), "visible_sheets": visible}

    @extend_schema(summary="Applications in the caller's scope, with the sheets he may read")
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            ApplicationSerializer(page, many=True, context=self._context(page)).data)

    @extend_schema(summary="An application, with the score sheets the caller may read")
    def retrieve(self, request, *args, **kwargs):
        application = self.get_object()
        return Response(ApplicationSerializer(application,
                                              context=self._context([application])).data)

    @extend_schema(summary="Submit my scores of an application (committee members)",
                   request=ScoreInputSerializer, responses={201: SheetSerializer,
                                                            400: BAD_REQUEST,
                                                            409: SERVICE_REFUSAL})
    @action(detail=True, methods=["post"], pagination_class=None, filter_backends=[])
    def scores(self, request, pk=None):
        if request.user.role != Role.COMMITTEE:
            raise exceptions.PermissionDenied()
        application = self.get_object()
        given = ScoreInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        sheet = services.score_submit(actor=request.user, application=application,
                                      values=given.validated_data["scores"],
                                      comment=given.validated_data.get("comment", ""))
        sheet = ScoreSheet.objects.select_related("member").prefetch_related("scores") \
            .get(pk=sheet.pk)
        return Response(SheetSerializer(sheet).data, status=status.HTTP_201_CREATED)
