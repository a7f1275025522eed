"""Public reads (schemes, the regional summary) and the caller's own association.

Nothing public names a person: no board members, phones, e-mails or user names.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
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


# --- the match-preview contract, as documentation (the view reads the JSON itself, with
# rules_input.parse_preview, which names every error's field) --------------------------

@extend_schema_field({"oneOf": [
    {"type": "string", "pattern": r"^-?[0-9]{1,20}(\.[0-9]{1,20})?$"},
    {"type": "integer", "minimum": -(10**20) + 1, "maximum": 10**20 - 1}],
    "description": "A decimal string (or an integer): never a number with a fraction."})
class DecimalInputField(serializers.Field):
    pass


class PreviewPartySerializer(serializers.Serializer):
    role = serializers.CharField(help_text=_('"association" for the migrants; any name for '
                                             "a co-funder (district, region, ...)."))
    weight = DecimalInputField()
    cap = DecimalInputField(required=False, allow_null=True,
                            help_text=_("Most the party gives to one project."))
    category_weights = serializers.DictField(child=DecimalInputField(), required=False,
                                             allow_null=True,
                                             help_text=_("Weights that differ by category."))


class PreviewRulesSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("ISO 4217 code of the scheme currency."))
    parties = PreviewPartySerializer(many=True, allow_empty=False)
    max_project_cost = DecimalInputField(required=False, allow_null=True)
    max_public_share = DecimalInputField(required=False, allow_null=True,
                                         help_text=_("A fraction: 0.7 for 70 %."))
    eligible_categories = serializers.ListField(child=serializers.CharField(allow_blank=True),
                                                required=False, allow_null=True)


class PreviewReceiptSerializer(serializers.Serializer):
    amount = DecimalInputField()
    currency = serializers.CharField()
    rate = DecimalInputField(required=False, allow_null=True,
                             help_text=_("To the scheme currency; required in another "
                                         "currency."))


class PreviewRequestSerializer(serializers.Serializer):
    rules = PreviewRulesSerializer(required=False, allow_null=True,
                                   help_text=_("Give rules or a scheme."))
    scheme = serializers.CharField(required=False, allow_null=True,
                                   help_text=_("A stored scheme's code: its current rules."))
    cost = DecimalInputField(help_text=_("The eligible cost, in the scheme currency."))
    received = DecimalInputField(required=False, allow_null=True,
                                 help_text=_("Association money received, scheme currency."))
    receipts = PreviewReceiptSerializer(many=True, required=False, allow_null=True)
    category = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    envelopes = serializers.DictField(child=DecimalInputField(allow_null=True), required=False,
                                      allow_null=True,
                                      help_text=_("What is left in each co-funder's envelope."))


class PreviewResponseSerializer(serializers.Serializer):
    currency = serializers.CharField()
    cost = serializers.CharField()
    targets = serializers.DictField(child=serializers.CharField())
    received = serializers.CharField()
    effective_contribution = serializers.CharField()
    matches = serializers.DictField(child=serializers.CharField())
    bound_by = serializers.DictField(child=serializers.CharField(), help_text=_(
        "Per co-funder, the limit that bound it: share, cap, envelope or public_share."))
    gap = serializers.CharField()
    leverage = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())
