"""Progress reports of the works and evidence uploaded for a project: the input's shape here;
the services (works, money.evidence_add) decide the rules."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import Evidence, EvidenceKind, ProgressReport
from ...services.works import MAX_PHOTOS
from .base import InputSerializer
from .money import ScopedProjectField


class ProgressReportSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    photos = serializers.IntegerField(source="photos.count", read_only=True,
                                      help_text=_("How many photos the report carries."))

    class Meta:
        model = ProgressReport
        fields = ["id", "project", "project_code", "reported_on", "text", "progress", "photos",
                  "created_at"]
        read_only_fields = fields


class ProgressReportInputSerializer(InputSerializer):
    project = ScopedProjectField()
    reported_on = serializers.DateField()
    text = serializers.CharField(max_length=10000)
    progress = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                       max_value=100),
        required=False, default=dict,
        help_text=_("Per cent done by milestone id, e.g. {\"12\": \"40.00\"}; in a multipart "
                    "body one field per milestone: progress.12=40"))
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                   max_length=MAX_PHOTOS,
                                   help_text=_("JPEG, PNG or WebP (multipart)."))

    def validate_progress(self, value):
        try:
            return {int(key): percent for key, percent in value.items()}
        except ValueError:
            raise serializers.ValidationError(_("Milestones are named by their id.")) from None


class UploadedEvidenceSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "project", "project_code", "kind", "description", "quantity",
                  "taken_at", "uploaded_at"]
        read_only_fields = fields


class EvidenceUploadInputSerializer(InputSerializer):
    project = ScopedProjectField()
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    file = serializers.FileField(help_text=_("PDF, JPEG, PNG or WebP (multipart)."))
    description = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                        default="")
    quantity = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                     default="",
                                     help_text=_("e.g. 1.2 km of pipe, 300 m² of roof"))
