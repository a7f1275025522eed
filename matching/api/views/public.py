"""Public reads (schemes, the regional summary), the match preview, and /associations/me/."""

from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, mixins
from rest_framework.response import Response
from rest_framework.views import APIView

from ...models import MigrantAssociation, Region, Scheme, SchemeVersion
from ...querysets import UNSUBMITTED_STATES
from ...preview import run_preview
from ...rules import RulesError
from ..base import IsAssociationUser, ScopedAPIView, ScopedMixin, ScopedViewSet
from ..filters import SchemeFilter
from ..serializers.public import (AssociationSerializer, PreviewRequestSerializer,
                                  PreviewResponseSerializer, RegionSummarySerializer,
                                  SchemeSerializer)

ZERO = Value(0, output_field=DecimalField(max_digits=20, decimal_places=2))
PAST_DRAFT = ~Q(districts__mahallas__projects__status__in=UNSUBMITTED_STATES)


@extend_schema(summary="Schemes: their rules and every published version (public)")
class SchemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    public = True
    queryset = Scheme.objects.select_related("country").prefetch_related(
        "parties__category_weights",
        Prefetch("versions", queryset=SchemeVersion.objects.order_by("-number")))
    serializer_class = SchemeSerializer
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    filterset_class = SchemeFilter


PREVIEW_EXAMPLE = {
    "rules": {"currency": "UZS",
              "parties": [{"role": "association", "weight": "1"},
                          {"role": "district", "weight": "1", "cap": "50000000.00"}],
              "max_project_cost": "900000000.00", "max_public_share": "0.75"},
    "cost": "40000000.00", "received": "12000000.00",
    "receipts": [{"amount": "100000.00", "currency": "RUB", "rate": "151.40"}],
    "envelopes": {"district": "10000000.00"}}


class MatchPreviewView(ScopedMixin, APIView):
    """The match-preview contract: the same JSON in and out as `manage.py match_preview`."""

    public = True

    @extend_schema(
        summary="Compute a match from rules (or a stored scheme), a cost and money received",
        request=PreviewRequestSerializer, responses={200: PreviewResponseSerializer},
        examples=[OpenApiExample("1x1 with an envelope", value=PREVIEW_EXAMPLE,
                                 request_only=True),
                  OpenApiExample("A stored scheme", request_only=True,
                                 value={"scheme": "uz-1x1-2026", "cost": "40000000.00",
                                        "received": "12000000.00"})])
    def post(self, request):
        try:
            return Response(run_preview(request.data))
        except RulesError as error:
            raise exceptions.ValidationError(
                {path: [_(message) for message in messages]
                 for path, messages in error.errors.items()}) from None


class RegionalSummaryView(ScopedAPIView):
    """Per region: projects past the draft stage and their cached money totals (public)."""

    public = True
    queryset = Region.objects.order_by("name")
    serializer_class = RegionSummarySerializer
    pagination_class = None

    @extend_schema(summary="Regional summary (public)",
                   responses=RegionSummarySerializer(many=True))
    def get(self, request):
        rows = (self.get_queryset().annotate(
            projects=Count("districts__mahallas__projects", filter=PAST_DRAFT),
            **{name: Coalesce(Sum(f"districts__mahallas__projects__{name}", filter=PAST_DRAFT),
                              ZERO) for name in ("cost", "received", "matched", "disbursed")})
            .values("id", "name", "population", "projects", "cost", "received", "matched",
                    "disbursed", "country__currency"))
        data = [{**row, "region_id": row["id"], "region": row["name"],
                 "currency": row["country__currency"]} for row in rows]
        return Response(RegionSummarySerializer(data, many=True).data)


class AssociationMeView(ScopedAPIView):
    """The caller's own association, with its board (its own data)."""

    project_path = None
    permission_classes = [*ScopedAPIView.permission_classes, IsAssociationUser]
    serializer_class = AssociationSerializer

    @extend_schema(summary="My association (association users)")
    def get(self, request):
        association = (MigrantAssociation.objects.prefetch_related("home_mahallas", "board")
                       .get(pk=request.user.association_id))
        return Response(AssociationSerializer(association).data)
