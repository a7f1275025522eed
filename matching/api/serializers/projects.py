"""Projects: the list row, the detail with its funding waterfall, the ledger and timeline."""

from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ... import currencies
from ..fields import utc_iso
from ...models import Evidence, LedgerEntry, MatchRecord, Project, ProjectStatus, StatusChange


class MoneyMap(serializers.DictField):
    """Per-currency amounts: {"RUB": "250000.00"}."""

    child = serializers.CharField()

    def to_representation(self, value):
        return {code: currencies.format_amount(amount, code) if code in currencies.MINOR_UNITS
                else str(amount) for code, amount in value.items()}


class ProjectListSerializer(serializers.ModelSerializer):
    mahalla = serializers.CharField(source="mahalla.name")
    district = serializers.CharField(source="mahalla.district.name")
    region = serializers.CharField(source="mahalla.district.region.name")
    association = serializers.CharField(source="association.name")
    scheme = serializers.CharField(source="scheme.code")
    fiscal_year = serializers.IntegerField(source="scheme.fiscal_year")

    class Meta:
        model = Project
        fields = ["id", "code", "title", "category", "status", "mahalla", "district", "region",
                  "association", "scheme", "fiscal_year", "cost", "currency", "received",
                  "matched", "disbursed", "created_at"]
        read_only_fields = fields


# The list's fast path (views.projects.ProjectViewSet.list): the same fields from `.values()`.
LIST_VALUES = ["id", "code", "title", "category", "status", "cost", "currency", "received",
               "matched", "disbursed", "created_at"]
LIST_JOINS = {"mahalla_name": F("mahalla__name"), "district_name": F("mahalla__district__name"),
              "region_name": F("mahalla__district__region__name"),
              "association_name": F("association__name"), "scheme_code": F("scheme__code"),
              "scheme_year": F("scheme__fiscal_year")}
_MONEY = ("cost", "received", "matched", "disbursed")


def list_row(row: dict) -> dict:
    """One `.values()` row in ProjectListSerializer's shape (decimals as strings)."""
    return {"id": row["id"], "code": row["code"], "title": row["title"],
            "category": row["category"], "status": row["status"],
            "mahalla": row["mahalla_name"], "district": row["district_name"],
            "region": row["region_name"], "association": row["association_name"],
            "scheme": row["scheme_code"], "fiscal_year": row["scheme_year"],
            **{name: f"{row[name]:.2f}" for name in _MONEY}, "currency": row["currency"],
            "created_at": utc_iso(row["created_at"])}


def list_rows(rows) -> list[dict]:
    return [list_row(row) for row in rows]


class WaterfallRowSerializer(serializers.Serializer):
    role = serializers.CharField()
    funder = serializers.CharField(help_text=_("The funder's public name; the association's "
                                               "name for the migrants."))
    target = serializers.DecimalField(max_digits=18, decimal_places=2)
    matched = serializers.DecimalField(max_digits=18, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=18, decimal_places=2)
    disbursed = serializers.DecimalField(max_digits=18, decimal_places=2)
    received = serializers.DecimalField(max_digits=18, decimal_places=2,
                                        help_text=_("Association only: money in hand, in the "
                                                    "scheme currency."))
    pledged = MoneyMap(help_text=_("Association only: announced, per currency raised."))
    sent = MoneyMap(help_text=_("Association only: received, in the currencies sent."))


_WATERFALL_MONEY = ("target", "matched", "reserved", "disbursed", "received")


def _money_map(amounts: dict) -> dict:
    return MoneyMap().to_representation(amounts)


# The detail's fast path: one hand-written, prepared statement (no ORM compilation), the
# project's columns and its names, scoped by `policies.scope_sql`.
DETAIL_VALUES = [*LIST_VALUES, "description", "executor", "executor_kind", "deadline",
                 "conditions", "submitted_at", "decided_at"]
DETAIL_NAMES = [*DETAIL_VALUES, *LIST_JOINS]
DETAIL_SQL = f"""
    SELECT {", ".join(f"p.{name}" for name in DETAIL_VALUES)},
           mh.name, d.name, r.name, a.name, s.code, s.fiscal_year
    FROM matching_project p
    JOIN matching_mahalla mh ON mh.id = p.mahalla_id
    JOIN matching_district d ON d.id = mh.district_id
    JOIN matching_region r ON r.id = d.region_id
    JOIN matching_migrantassociation a ON a.id = p.association_id
    JOIN matching_scheme s ON s.id = p.scheme_id
    WHERE p.id = %(pk)s AND ({{scope}})"""


def detail_data(row: dict, rows) -> dict:
    """ProjectDetailSerializer's output from a `DETAIL_VALUES` row and the waterfall, built
    directly (a test holds them equal): the detail is the API's second hot path and DRF
    rebuilds every field on each call."""
    def when(value):
        return utc_iso(value) if value else None

    return {
        **list_row(row),
        "description": row["description"], "executor": row["executor"],
        "executor_kind": row["executor_kind"],
        "deadline": row["deadline"].isoformat() if row["deadline"] else None,
        "conditions": row["conditions"], "submitted_at": when(row["submitted_at"]),
        "decided_at": when(row["decided_at"]),
        "waterfall": [{"role": line.role, "funder": line.funder,
                       **{name: f"{getattr(line, name):.2f}" for name in _WATERFALL_MONEY},
                       "pledged": _money_map(line.pledged), "sent": _money_map(line.sent)}
                      for line in rows],
    }


class ProjectDetailSerializer(ProjectListSerializer):
    waterfall = serializers.SerializerMethodField()

    class Meta(ProjectListSerializer.Meta):
        fields = [*ProjectListSerializer.Meta.fields, "description", "executor", "executor_kind",
                  "deadline", "conditions", "submitted_at", "decided_at", "waterfall"]
        read_only_fields = fields

    @extend_schema_field(WaterfallRowSerializer(many=True))
    def get_waterfall(self, project):
        return WaterfallRowSerializer(self.context["waterfall"], many=True).data


class LedgerEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "role", "amount", "currency", "original_amount",
                  "original_currency", "receipt", "commitment", "tranche", "reverses", "memo",
                  "created_at"]
        read_only_fields = fields


class StatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text=_("Who decided: kept and published."))
    confirmed_by = serializers.SerializerMethodField(
        help_text=_("The second officer who confirmed the decision, if the scheme asked for "
                    "one."))
    from_status = serializers.ChoiceField(
        choices=ProjectStatus.choices, allow_null=True,
        help_text=_("null for the first entry: the project's creation as a draft."))

    class Meta:
        model = StatusChange
        fields = ["id", "from_status", "to_status", "reason", "actor", "confirmed_by",
                  "evidence", "at"]
        read_only_fields = fields

    def to_representation(self, change):
        data = super().to_representation(change)
        data["from_status"] = data["from_status"] or None
        return data

    @extend_schema_field(OpenApiTypes.STR)
    def get_actor(self, change):
        return change.actor.get_full_name() or change.actor.username

    @extend_schema_field({"type": "string", "nullable": True})
    def get_confirmed_by(self, change):
        person = change.confirmed_by
        return (person.get_full_name() or person.username) if person else None


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "kind", "description", "quantity", "uploaded_at"]
        read_only_fields = fields


class MatchRecordSerializer(serializers.ModelSerializer):
    scheme_version = serializers.IntegerField(source="scheme_version.number")
    result = serializers.JSONField(help_text=_("The match-preview output, its steps in the "
                                               "reader's language."))

    class Meta:
        model = MatchRecord
        fields = ["id", "reason", "scheme_version", "result", "created_at"]
        read_only_fields = fields

    def to_representation(self, record):
        data = super().to_representation(record)
        steps = data["result"].get("steps", [])
        data["result"] = {**data["result"], "steps": [
            gettext(step["template"]) % step["params"] if isinstance(step, dict) else step
            for step in steps]}
        return data


class TimelineSerializer(serializers.Serializer):
    changes = StatusChangeSerializer(many=True)
    evidence = EvidenceSerializer(many=True)
    matches = MatchRecordSerializer(many=True)
