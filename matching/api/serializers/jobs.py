"""Background jobs: what a job is doing and what came of it; what starts one."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...imports.views import upload_problem
from ...jobs.progress import STAGES
from ...models import ImportKind, ImportMode, Job, JobStatus
from ...reports import downloads
from .base import InputSerializer


class JobSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None, read_only=True,
                                   allow_null=True)
    stage_label = serializers.SerializerMethodField()
    fraction = serializers.SerializerMethodField(
        help_text=_("How much of the job is done, 0 to 1 (an estimate)."))
    import_batch = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "author", "params", "stage", "stage_label", "step",
                  "steps", "rows_done", "rows_total", "fraction", "created_at", "started_at",
                  "heartbeat_at", "finished_at", "cancel_requested_at", "attempts", "result",
                  "error", "import_batch", "download_url"]
        read_only_fields = fields

    def get_stage_label(self, job) -> str:
        return str(STAGES.get(job.stage, ""))

    @extend_schema_field(OpenApiTypes.STR)
    def get_fraction(self, job) -> str:
        return f"{job.fraction:.3f}"  # a string, like every decimal of the API

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_import_batch(self, job):
        return job.result.get("batch") if job.kind == "import" else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job):
        if job.status != JobStatus.SUCCEEDED or not job.result_file:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("api:job-download", args=[job.pk]))


class ImportJobInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    file = serializers.FileField()
    quote = serializers.RegexField(r"^[A-Z]{3}$", required=False, default="UZS",
                                   help_text=_("Rates: the currency they are quoted in."))
    source = serializers.CharField(required=False, max_length=60,
                                   default="Central Bank of Uzbekistan")

    def validate_file(self, upload):
        problem = upload_problem(upload)
        if problem:
            raise serializers.ValidationError(problem)
        return upload


class ExportFiltersSerializer(InputSerializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    scheme = serializers.SlugField(required=False, max_length=40)
    table = serializers.SlugField(required=False, max_length=40)
    region = serializers.IntegerField(required=False, min_value=1)
    district = serializers.IntegerField(required=False, min_value=1)


class ExportJobInputSerializer(InputSerializer):
    report = serializers.ChoiceField(choices=[*downloads.BUILDERS, downloads.IATI])
    format = serializers.ChoiceField(choices=[*downloads.FORMATS, "xml"])
    filters = ExportFiltersSerializer(required=False, default=dict)

    def validate(self, data):
        if (data["report"] == downloads.IATI) != (data["format"] == "xml"):
            raise serializers.ValidationError(
                {"format": [_("The IATI document is XML; the reports are CSV, XLSX or JSON.")]})
        return data


class RecomputeJobInputSerializer(InputSerializer):
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
