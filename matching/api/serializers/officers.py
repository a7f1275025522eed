"""The officers' actions and what an association reads about its projects: inputs check
shape (the services check the rules), outputs say what happened."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import (DECISION_CHOICES, Evidence, ExecutorKind, Funder, PendingDecision,
                       Project, TopUp, Tranche)
from .base import InputSerializer
from .money import ScopedProjectField

MONEY = {"max_digits": 18, "decimal_places": 2}


class ReasonInputSerializer(InputSerializer):
    reason = serializers.CharField(help_text=_("Kept and published with the project."))


class NoteInputSerializer(InputSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class DecisionInputSerializer(InputSerializer):
    decision = serializers.ChoiceField(choices=[value for value, _label in DECISION_CHOICES])
    reason = serializers.CharField(help_text=_("Kept and published with the decision."))
    conditions = serializers.CharField(required=False, allow_blank=True, default="",
                                       help_text=_("Required to approve on conditions."))


@extend_schema_field(OpenApiTypes.INT)
class ScopedEvidenceField(serializers.PrimaryKeyRelatedField):
    """Evidence already uploaded, among the projects the caller may see."""

    def get_queryset(self):
        return Evidence.objects.visible_to(self.context["request"].user)


class EvidenceInputSerializer(InputSerializer):
    """Evidence already uploaded (`evidence`), or a new `file`, kept only if the action goes
    through."""

    evidence = ScopedEvidenceField(required=False, allow_null=True)
    file = serializers.FileField(required=False, allow_null=True,
                                 help_text=_("PDF, JPEG, PNG or WebP."))
    description = serializers.CharField(required=False, allow_blank=True, default="",
                                        max_length=300)

    def validate(self, attrs):
        if not attrs.get("evidence") and not attrs.get("file"):
            raise serializers.ValidationError(
                {"evidence": [_("Choose evidence already uploaded or upload a new file.")]})
        return attrs


class ConditionsMetInputSerializer(EvidenceInputSerializer):
    reason = serializers.CharField(help_text=_("How the conditions are met."))


class DisburseInputSerializer(EvidenceInputSerializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0,
                                      required=False, allow_null=True,
                                      help_text=_("Empty: what is left of the tranche."))
    paid_on = serializers.DateField(required=False, allow_null=True)


class ClawbackInputSerializer(EvidenceInputSerializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0)
    reason = serializers.CharField(help_text=_("What was found. Kept and published."))


class StartInputSerializer(InputSerializer):
    executor = serializers.CharField(max_length=200)
    executor_kind = serializers.ChoiceField(choices=ExecutorKind.choices)
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0,
                                      help_text=_("The contract amount, in the scheme "
                                                  "currency."))
    signed_on = serializers.DateField()
    document = serializers.FileField(help_text=_("The signed contract: PDF, JPEG, PNG or "
                                                 "WebP."))


class TopUpInputSerializer(InputSerializer):
    project = ScopedProjectField()
    funder = serializers.PrimaryKeyRelatedField(
        queryset=Funder.objects.all(), required=False, allow_null=True,
        help_text=_("The funder that commits the money; empty or null: the association "
                    "raises its own share."))
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0,
                                      help_text=_("In the scheme currency."))
    reason = serializers.CharField(help_text=_("The commitment behind it. Kept and "
                                               "published."))


# --- outputs -------------------------------------------------------------------------------

class ProjectStateSerializer(serializers.ModelSerializer):
    pending_decision = serializers.SerializerMethodField(
        help_text=_("A decision waiting for a second officer, if any."))

    class Meta:
        model = Project
        fields = ["id", "code", "status", "decided_at", "conditions", "pending_decision"]
        read_only_fields = fields

    def get_pending_decision(self, project) -> int | None:
        return (PendingDecision.objects.filter(project=project, status="pending")
                .values_list("pk", flat=True).first())


class PendingDecisionSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    proposed_by = serializers.SerializerMethodField()
    resolved_by = serializers.SerializerMethodField()

    class Meta:
        model = PendingDecision
        fields = ["id", "project", "project_code", "decision", "reason", "conditions",
                  "proposed_by", "proposed_at", "status", "resolved_by", "resolved_at",
                  "resolution"]
        read_only_fields = fields

    def get_proposed_by(self, pending) -> str:
        return pending.proposed_by.get_full_name() or pending.proposed_by.username

    def get_resolved_by(self, pending) -> str | None:
        person = pending.resolved_by
        return (person.get_full_name() or person.username) if person else None


class TopUpSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    funder_name = serializers.SerializerMethodField(
        help_text=_("Empty: the association raises its own share."))

    class Meta:
        model = TopUp
        fields = ["id", "project", "project_code", "funder", "funder_name", "amount", "reason",
                  "status", "recorded_at"]
        read_only_fields = fields

    def get_funder_name(self, top_up) -> str:
        return top_up.funder.name if top_up.funder_id else ""


class TrancheSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="commitment.project_id", read_only=True)
    project_code = serializers.CharField(source="commitment.project.code", read_only=True)
    role = serializers.CharField(source="commitment.role", read_only=True)
    funder = serializers.SerializerMethodField()

    class Meta:
        model = Tranche
        fields = ["id", "project", "project_code", "role", "funder", "number", "due_on",
                  "amount", "disbursed", "paid_on", "evidence"]
        read_only_fields = fields

    def get_funder(self, tranche) -> str:
        funder = tranche.commitment.funder
        return funder.name if funder else tranche.commitment.project.association.name


class MatchLineSerializer(serializers.Serializer):
    role = serializers.CharField()
    funder = serializers.CharField()
    target = serializers.DecimalField(**MONEY)
    matched = serializers.DecimalField(**MONEY)
    bound_by = serializers.CharField(help_text=_("share, cap, envelope, public_share, "
                                                 "top_up, or empty for the association"))
    top_up = serializers.BooleanField()


class MatchSerializer(serializers.Serializer):
    computed_at = serializers.DateTimeField(allow_null=True, help_text=_(
        "When the stored match was computed; null: computed now, under the current rules, "
        "for a project not yet approved."))
    scheme_version = serializers.IntegerField(allow_null=True)
    lines = MatchLineSerializer(many=True)
    gap = serializers.DecimalField(**MONEY, allow_null=True)
    steps = serializers.ListField(child=serializers.CharField(),
                                  help_text=_("The explanation, in the reader's language."))
    problems = serializers.ListField(child=serializers.CharField(),
                                     help_text=_("Why no match can be computed yet."))


class AccountLineSerializer(serializers.Serializer):
    role = serializers.CharField()
    funder = serializers.CharField()
    committed = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)
    released = serializers.DecimalField(**MONEY, help_text=_(
        "Released to the envelope at closure (before closure: what closing would release)."))
    top_up = serializers.BooleanField()


class AccountingSerializer(serializers.Serializer):
    closed = serializers.BooleanField()
    lines = AccountLineSerializer(many=True)
    received = serializers.DecimalField(**MONEY, help_text=_("The association's money in "
                                                             "hand."))
    unspent = serializers.DecimalField(**MONEY, help_text=_("Of which not disbursed."))
    released = serializers.DecimalField(**MONEY)
    disbursed = serializers.DecimalField(**MONEY)

