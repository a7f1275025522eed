"""Calls, their applications and score sheets. Public shapes name no person: members appear
as "Member 1, 2 ..."; sheets come only through `ScoreSheet.objects.visible_to`."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import Application, Call, Criterion, CriterionValue, ScoreSheet
from .base import InputSerializer


class CriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Criterion
        fields = ["id", "position", "name", "description", "kind", "weight"]
        read_only_fields = fields


class CallSerializer(serializers.ModelSerializer):
    scheme = serializers.CharField(source="scheme.code")
    fiscal_year = serializers.IntegerField(source="scheme.fiscal_year")
    region = serializers.CharField(source="region.name", allow_null=True, default=None)
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = Call
        fields = ["code", "title", "description", "scheme", "fiscal_year", "region", "opens_on",
                  "closes_on", "status", "quorum", "criteria"]
        read_only_fields = fields


class ResultSerializer(serializers.Serializer):
    """One application in a decided call's results."""

    project = serializers.CharField()
    title = serializers.CharField()
    mahalla = serializers.CharField()
    district = serializers.CharField()
    cost = serializers.DecimalField(max_digits=18, decimal_places=2)
    currency = serializers.CharField()
    scores = serializers.DictField(child=serializers.DecimalField(max_digits=5, decimal_places=2,
                                                                  allow_null=True),
                                   help_text=_("Criterion id → score from 0 to 10."))
    total = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True,
                                     help_text=_("Out of 100."))
    rank = serializers.IntegerField(allow_null=True)
    proposed = serializers.BooleanField(help_text=_("Funded by the allocation's proposal."))
    decision = serializers.CharField()
    reason = serializers.CharField()


class ComputedSerializer(serializers.ModelSerializer):
    class Meta:
        model = CriterionValue
        fields = ["criterion", "value", "score", "basis"]
        read_only_fields = fields


class SheetSerializer(serializers.ModelSerializer):
    member = serializers.CharField(source="member.label")
    scores = serializers.SerializerMethodField()
    void = serializers.SerializerMethodField()

    class Meta:
        model = ScoreSheet
        fields = ["member", "scores", "comment", "submitted_at", "void", "void_reason"]
        read_only_fields = fields

    def get_void(self, sheet) -> bool:
        return sheet.voided_at is not None

    def get_scores(self, sheet) -> dict[str, int]:
        return {str(s.criterion_id): s.value for s in sheet.scores.all()}


class ApplicationSerializer(serializers.ModelSerializer):
    call = serializers.CharField(source="call.code")
    project = serializers.CharField(source="project.code")
    mahalla = serializers.CharField(source="mahalla.name")
    district = serializers.CharField(source="district.name")
    association = serializers.CharField(source="association.name")
    computed = ComputedSerializer(source="values", many=True)
    sheets = serializers.SerializerMethodField(
        help_text=_("The score sheets the caller may read: a member sees the others' only "
                    "after submitting his own."))

    class Meta:
        model = Application
        fields = ["id", "call", "project", "title", "category", "cost", "currency", "received",
                  "mahalla", "district", "association", "targets", "applied_at",
                  "withdrawn_at", "computed", "sheets"]
        read_only_fields = fields

    def get_sheets(self, application) -> list[dict]:
        visible = self.context["visible_sheets"].get(application.pk, [])
        return SheetSerializer(visible, many=True).data


class ScoreInputSerializer(InputSerializer):
    scores = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=10),
                                   allow_empty=False,
                                   help_text=_("Criterion id → score from 0 to 10, for each "
                                               "criterion the member scores."))
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)

    def validate_scores(self, value):
        if any(not str(key).isdecimal() for key in value):
            raise serializers.ValidationError(_("Criterion ids are numbers."))
        return {int(key): score for key, score in value.items()}
