"""Progress reports of the works: the input's shape here; services.works decides the rules."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import ProgressReport
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
