"""Progress reports of the works (clerks), with their photos, and evidence uploaded for a
project: the same services as the clerk's pages, and an `Idempotency-Key`, so that what was
queued on a phone offline and sent again when the connection returns is recorded once."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.parsers import JSONParser, MultiPartParser

from ... import services
from ...models import Evidence, ProgressReport
from .. import idempotency
from ..base import Cursor, ScopedViewSet, ServiceCreateMixin
from ..schema import IDEMPOTENCY_REUSED, SERVICE_REFUSAL
from ..serializers.works import (UploadedEvidenceSerializer, EvidenceUploadInputSerializer,
                                 ProgressReportInputSerializer, ProgressReportSerializer)


@extend_schema_view(
    list=extend_schema(summary="Progress reports on the projects you can see"),
    retrieve=extend_schema(summary="One progress report"),
    create=extend_schema(
        summary="Report the progress of the works, with photos (clerks)",
        parameters=[idempotency.PARAMETER],
        request={"application/json": ProgressReportInputSerializer,
                 "multipart/form-data": ProgressReportInputSerializer},
        responses={201: ProgressReportSerializer, 409: SERVICE_REFUSAL,
                   422: IDEMPOTENCY_REUSED}),
)
class ProgressReportViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                            mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    # the photos' ids only, for their count: one query a page, not one a report
    queryset = ProgressReport.objects.select_related("project").prefetch_related(
        Prefetch("photos", queryset=Evidence.objects.only("id", "progress_report_id")))
    serializer_class = ProgressReportSerializer
    input_serializer_class = ProgressReportInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    parser_classes = [JSONParser, MultiPartParser]

    def run_service(self, data):
        return services.progress_report_create(
            actor=self.request.user, project=data["project"], reported_on=data["reported_on"],
            text=data["text"], progress=data["progress"], photos=data["photos"])


@extend_schema_view(
    list=extend_schema(summary="Evidence uploaded for the projects you can see"),
    retrieve=extend_schema(summary="One piece of evidence"),
    create=extend_schema(
        summary="Upload evidence of the works or of a payment (clerks)",
        parameters=[idempotency.PARAMETER],
        request={"multipart/form-data": EvidenceUploadInputSerializer},
        responses={201: UploadedEvidenceSerializer, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED}),
)
class EvidenceViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                      mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Evidence.objects.select_related("project")
    serializer_class = UploadedEvidenceSerializer
    input_serializer_class = EvidenceUploadInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    parser_classes = [MultiPartParser]  # a file is the point of it

    def run_service(self, data):
        return services.evidence_add(actor=self.request.user, **data)
