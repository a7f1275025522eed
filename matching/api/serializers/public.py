"""Public reads (schemes, the regional summary) and the caller's own association.

Nothing public names a person: no board members, phones, e-mails or user names.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ...models import BoardMember, MigrantAssociation, Scheme, SchemeParty, SchemeVersion


class SchemePartySerializer(serializers.ModelSerializer):
    category_weights = serializers.SerializerMethodField()

    class Meta:
        model = SchemeParty
        fields = ["role", "position", "weight", "cap", "category_weights"]
        read_only_fields = fields

    def get_category_weights(self, party) -> dict[str, str]:
        return {cw.category: str(cw.weight.normalize()) for cw in party.category_weights.all()}


class SchemeVersionSerializer(serializers.ModelSerializer):
    rules = serializers.JSONField(help_text=_("The match-preview `rules` of this version."))

    class Meta:
        model = SchemeVersion
        fields = ["number", "rules", "created_at"]
        read_only_fields = fields


class SchemeSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code")
    parties = SchemePartySerializer(many=True)
    versions = SchemeVersionSerializer(many=True)

    class Meta:
        model = Scheme
        fields = ["code", "name", "country", "fiscal_year", "currency", "max_project_cost",
                  "max_public_share", "eligible_categories", "is_active", "parties", "versions"]
        read_only_fields = fields


class RegionSummarySerializer(serializers.Serializer):
    region_id = serializers.IntegerField()
    region = serializers.CharField()
    population = serializers.IntegerField(allow_null=True, help_text=_("Empty when not known."))
    projects = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=20, decimal_places=2)
    received = serializers.DecimalField(max_digits=20, decimal_places=2)
    matched = serializers.DecimalField(max_digits=20, decimal_places=2)
    disbursed = serializers.DecimalField(max_digits=20, decimal_places=2)
    currency = serializers.CharField(allow_null=True)


class BoardMemberSerializer(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True, help_text=_("May be empty."))

    class Meta:
        model = BoardMember
        fields = ["full_name", "position", "phone", "email"]
        read_only_fields = fields


class AssociationSerializer(serializers.ModelSerializer):
    home_mahallas = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    board = BoardMemberSerializer(many=True, read_only=True)
    registration_problem = serializers.SerializerMethodField()
    email = serializers.CharField(read_only=True, help_text=_("May be empty."))

    class Meta:
        model = MigrantAssociation
        fields = ["id", "name", "host_country", "host_city", "member_count",
                  "registration_number", "registered_on", "valid_until", "email",
                  "home_mahallas", "board", "registration_problem"]
        read_only_fields = fields

    def get_registration_problem(self, association) -> str | None:
        from django.utils import timezone

        problem = association.registration_problem(timezone.localdate())
        return str(problem) if problem else None
