"""Pledges and receipts: input serializers check shape; the services check the rules."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ...models import Pledge, Project, Receipt
from .base import InputSerializer


@extend_schema_field(OpenApiTypes.INT)
class ScopedProjectField(serializers.PrimaryKeyRelatedField):
    """A project id, looked up only among the projects the caller may see: another tenant's
    project reads as one that does not exist."""

    def get_queryset(self):
        user = self.context["request"].user
        return Project.objects.visible_to(user).select_related(
            "association", "scheme", "mahalla__district")


@extend_schema_field(OpenApiTypes.INT)
class ScopedPledgeField(serializers.PrimaryKeyRelatedField):
    """A pledge id, among the pledges on projects the caller may see (as ScopedProjectField):
    another tenant's pledge reads as missing, not as "for another project"."""

    def get_queryset(self):
        return Pledge.objects.visible_to(self.context["request"].user)


class PledgeSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    association = serializers.CharField(source="association.name", read_only=True)
    received = serializers.DecimalField(
        source="arrived", max_digits=18, decimal_places=2, read_only=True,
        help_text=_("Receipts recorded against it, in the pledge's currency."))
    missing = serializers.DecimalField(
        max_digits=18, decimal_places=2, read_only=True,
        help_text=_("Still to come, in the pledge's currency, by `expected_on`."))

    class Meta:
        model = Pledge
        fields = ["id", "project", "project_code", "association", "amount", "currency",
                  "expected_on", "status", "received", "missing", "created_at",
                  "withdrawn_at"]
        read_only_fields = fields


class PledgeInputSerializer(InputSerializer):
    project = ScopedProjectField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0,
                                      help_text=_("In the currency raised, as a string."))
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3)
    expected_on = serializers.DateField()


class ReceiptSerializer(serializers.ModelSerializer):
    project_code = serializers.CharField(source="project.code", read_only=True)
    association = serializers.CharField(source="association.name", read_only=True)
    has_proof = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = ["id", "project", "project_code", "association", "pledge", "received_on",
                  "amount", "currency", "rate", "rate_entered_by_hand", "converted", "fee",
                  "reference", "status", "has_proof", "recorded_at", "confirmed_at"]
        read_only_fields = fields

    def get_has_proof(self, receipt) -> bool:
        return bool(receipt.proof)


class ReceiptInputSerializer(InputSerializer):
    project = ScopedProjectField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0,
                                      help_text=_("As it arrived, after the fee."))
    currency = serializers.RegexField(r"^[A-Z]{3}$", max_length=3)
    received_on = serializers.DateField()
    reference = serializers.CharField(max_length=60)
    fee = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=0, required=False,
                                   default="0")
    rate = serializers.DecimalField(max_digits=18, decimal_places=6, required=False,
                                    allow_null=True, min_value=0,
                                    help_text=_("Required when no rate is stored for the day."))
    pledge = ScopedPledgeField(required=False, allow_null=True)
    proof = serializers.FileField(required=False, allow_null=True,
                                  help_text=_("PDF, JPEG, PNG or WebP."))

    def validate(self, attrs):
        pledge = attrs.get("pledge")
        if pledge is not None and pledge.project_id != attrs["project"].pk:
            raise serializers.ValidationError(
                {"pledge": [_("That pledge is for another project.")]})
        return attrs


class ReasonSerializer(InputSerializer):
    reason = serializers.CharField(max_length=1000, help_text=_("Kept in the audit trail."))
