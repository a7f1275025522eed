"""Pledges (associations announce and withdraw their own) and receipts (clerks record money
in hand; an officer who did not record one refunds or reverses it).

Every write goes through its service, which checks role, scope, the association's
registration and the money rules; those that create money records accept an
`Idempotency-Key`.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from ... import services
from ...models import Pledge, Receipt
from .. import idempotency
from ..base import Cursor, ScopedViewSet, ServiceCreateMixin
from ..filters import PledgeFilter, ReceiptFilter
from ..schema import BAD_REQUEST, IDEMPOTENCY_REUSED, SERVICE_REFUSAL
from ..serializers.money import (PledgeInputSerializer, PledgeSerializer, ReasonSerializer,
                                 ReceiptInputSerializer, ReceiptSerializer)


@extend_schema_view(
    list=extend_schema(summary="Pledges on the projects you can see"),
    retrieve=extend_schema(summary="One pledge"),
    create=extend_schema(
        summary="Announce a pledge (associations, for their own projects) or record one (clerks)",
        parameters=[idempotency.PARAMETER],
        request={"application/json": PledgeInputSerializer,
                 "multipart/form-data": PledgeInputSerializer},
        responses={201: PledgeSerializer, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED},
        examples=[OpenApiExample("250,000 RUB in June", request_only=True, value={
            "project": 1, "amount": "250000.00", "currency": "RUB",
            "expected_on": "2026-06-30"})]),
)
class PledgeViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                    mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Pledge.objects.with_missing().select_related("project", "association")
    serializer_class = PledgeSerializer
    input_serializer_class = PledgeInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    filterset_class = PledgeFilter
    # multipart too: the clerk's offline queue sends every entry as the form it was typed in
    parser_classes = [JSONParser, MultiPartParser]

    def run_service(self, data):
        return services.pledge_create(actor=self.request.user, **data)

    @extend_schema(summary="Withdraw a pledge: the rest will not come (it stays on record)",
                   request=None, responses={200: PledgeSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        pledge = services.pledge_withdraw(pledge=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pledge.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Receipts on the projects you can see"),
    retrieve=extend_schema(summary="One receipt"),
    create=extend_schema(
        summary="Record money in hand, with its proof (clerks)",
        parameters=[idempotency.PARAMETER],
        request={"application/json": ReceiptInputSerializer,
                 "multipart/form-data": ReceiptInputSerializer},
        responses={201: ReceiptSerializer, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED},
        examples=[OpenApiExample("200,000 RUB at the day's rate", request_only=True, value={
            "project": 1, "amount": "200000.00", "currency": "RUB",
            "received_on": "2026-03-02", "reference": "SWIFT-0042", "fee": "3000.00",
            "rate": "151.40"})]),
    confirm=extend_schema(
        summary="Confirm a receipt held for confirmation (an officer, not its recorder)",
        request=None, responses={200: ReceiptSerializer, 409: SERVICE_REFUSAL}),
    reject=extend_schema(
        summary="Reject a receipt held for confirmation, with a reason",
        request=ReasonSerializer, responses={200: ReceiptSerializer, 409: SERVICE_REFUSAL}),
)
class ReceiptViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                     mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Receipt.objects.select_related("project", "association")
    serializer_class = ReceiptSerializer
    input_serializer_class = ReceiptInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    parser_classes = [JSONParser, MultiPartParser]
    filterset_class = ReceiptFilter

    def run_service(self, data):
        return services.receipt_record(actor=self.request.user, **data)

    def _undo(self, request, undo):
        reason = ReasonSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        receipt = undo(receipt=self.get_object(), actor=request.user,
                       reason=reason.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=receipt.pk)).data)

    @extend_schema(summary="Refund the receipt to the association, with a reason (an officer "
                           "who did not record it); its match is recomputed",
                   request=ReasonSerializer, parameters=[idempotency.PARAMETER],
                   responses={200: ReceiptSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    @idempotency.idempotent
    def refund(self, request, pk=None):
        return self._undo(request, services.receipt_refund)

    @extend_schema(summary="Reverse the receipt as recorded in error, with a reason (an "
                           "officer who did not record it); its match is recomputed",
                   request=ReasonSerializer, parameters=[idempotency.PARAMETER],
                   responses={200: ReceiptSerializer, 400: BAD_REQUEST, 409: SERVICE_REFUSAL, 422: IDEMPOTENCY_REUSED})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    @idempotency.idempotent
    def reverse(self, request, pk=None):
        return self._undo(request, services.receipt_reverse)

    @action(detail=True, methods=["post"], filter_backends=[])
    def confirm(self, request, pk=None):
        """A receipt held for being far beyond its project's cost counts from now on."""
        receipt = services.receipt_confirm(receipt=self.get_object(), actor=request.user)
        return Response(ReceiptSerializer(self.queryset.get(pk=receipt.pk)).data)

    @action(detail=True, methods=["post"], filter_backends=[])
    def reject(self, request, pk=None):
        """A held receipt recorded in error: it never counts; the reason is kept."""
        given = ReasonSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        receipt = services.receipt_reject(receipt=self.get_object(), actor=request.user,
                                          reason=given.validated_data["reason"])
        return Response(ReceiptSerializer(self.queryset.get(pk=receipt.pk)).data)
