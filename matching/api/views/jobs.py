"""Background jobs as a resource: start an import, a whole-programme export or a fiscal
year's re-matching; follow its progress; cancel it; download its file.

A caller sees his own jobs; an auditor reads every job (and cancels none). Another's job
answers 404, like a missing one.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ... import policies
from ...errors import Conflict
from ...imports.engine import may_import
from ...jobs.views import result_file
from ...models import ImportKind, Job
from ...services import jobs as services
from ..base import Cursor, ScopedViewSet
from ..schema import BAD_REQUEST, SERVICE_REFUSAL
from ..serializers.jobs import (ExportJobInputSerializer, ImportJobInputSerializer, JobSerializer,
                                RecomputeJobInputSerializer)

STARTED = {202: JobSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL}


@extend_schema_view(
    list=extend_schema(summary="My background jobs (an auditor: every job)"),
    retrieve=extend_schema(summary="One job: its status, progress and result"),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Job.objects.select_related("author")
    serializer_class = JobSerializer
    project_path = None  # scoped by author, not by project
    pagination_class = Cursor
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def _accepted(self, job: Job) -> Response:
        return Response(JobSerializer(job, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="Import a file of pledges, receipts or exchange rates",
                   request={"multipart/form-data": ImportJobInputSerializer},
                   responses=STARTED)
    @action(detail=False, methods=["post"], url_path="imports",
            parser_classes=[MultiPartParser, FormParser])
    def imports(self, request):
        given = ImportJobInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        if not may_import(request.user, data["kind"]):
            raise exceptions.PermissionDenied(_("You may not import %(kind)s.") % {
                "kind": ImportKind(data["kind"]).label})
        started = services.import_job_start(
            actor=request.user, kind=data["kind"], mode=data["mode"],
            filename=data["file"].name, content=data["file"].read(), quote=data["quote"],
            source=data["source"])
        if started.earlier is not None:
            raise Conflict(_already(started.earlier.pk), code="already_imported")
        return self._accepted(started.job)

    @extend_schema(summary="Build a report's file or the IATI document (whole programme)",
                   request=ExportJobInputSerializer, responses=STARTED)
    @action(detail=False, methods=["post"], url_path="exports", parser_classes=[JSONParser])
    def exports(self, request):
        given = ExportJobInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        return self._accepted(services.export_job_start(
            actor=request.user, report=data["report"], fmt=data["format"],
            query={k: str(v) for k, v in data["filters"].items()}))

    @extend_schema(summary="Re-match every open project of a fiscal year (administrators)",
                   request=RecomputeJobInputSerializer, responses=STARTED)
    @action(detail=False, methods=["post"], url_path="recompute", parser_classes=[JSONParser])
    def recompute(self, request):
        if not policies.may_recompute(request.user):
            raise exceptions.PermissionDenied(
                _("Only programme administrators may re-match a fiscal year."))
        given = RecomputeJobInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        return self._accepted(services.recompute_job_start(
            actor=request.user, fiscal_year=given.validated_data["fiscal_year"]))

    @extend_schema(summary="Cancel a job (its author): nothing of its work is kept",
                   request=None,
                   responses={202: JobSerializer, 409: SERVICE_REFUSAL})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._accepted(services.job_cancel(actor=request.user, job=self.get_object()))

    @extend_schema(summary="The file an export job built",
                   responses={(200, "application/octet-stream"): OpenApiResponse(
                       description="the file"), 404: OpenApiResponse(
                       description="no such job, or no file (not finished, or not an export)")})
    @action(detail=True, methods=["get"], url_path="download")
    def download(self, request, pk=None):
        return result_file(self.get_object())


def _already(batch_id: int) -> str:
    return _("This file was already imported (import %(batch)s): nothing was written "
             "again.") % {"batch": batch_id}
