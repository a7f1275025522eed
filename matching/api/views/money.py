"""Pledges (associations announce and withdraw their own) and receipts (clerks record money
in hand; an officer who did not record one refunds or reverses it).

Every write goes through its service, which checks role, scope, the association's
registration and the money rules; those that create money records accept an
`Idempotency-Key`.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ... import services
from ...models import Pledge, Receipt
from .. import idempotency
from ..base import BAD_REQUEST, REFUSED, Cursor, ScopedViewSet, ServiceCreateMixin
from ..serializers.money import (PledgeInputSerializer, PledgeSerializer,
                                 ReceiptInputSerializer, ReceiptSerializer)
from ..serializers.officers import ReasonInputSerializer


@extend_schema_view(
    list=extend_schema(summary="Pledges on the projects you can see"),
    retrieve=extend_schema(summary="One pledge"),
    create=extend_schema(
        summary="Announce a pledge (association users, for their own projects)",
        parameters=[idempotency.PARAMETER], request=PledgeInputSerializer,
        responses={201: PledgeSerializer},
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
    filterset_fields = ["project", "status"]

    def run_service(self, data):
        return services.pledge_create(actor=self.request.user, **data)

    @extend_schema(summary="Withdraw a pledge: the rest will not come (it stays on record)",
                   request=None, responses={200: PledgeSerializer, 400: BAD_REQUEST, 409: REFUSED})
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
        request={"multipart/form-data": ReceiptInputSerializer,
                 "application/json": ReceiptInputSerializer},
        responses={201: ReceiptSerializer, 400: BAD_REQUEST},
        examples=[OpenApiExample("200,000 RUB at the day's rate", request_only=True, value={
            "project": 1, "amount": "200000.00", "currency": "RUB",
            "received_on": "2026-03-02", "reference": "SWIFT-0042", "fee": "3000.00",
            "rate": "151.40"})]),
)
class ReceiptViewSet(idempotency.IdempotentCreateMixin, ServiceCreateMixin,
                     mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Receipt.objects.select_related("project", "association")
    serializer_class = ReceiptSerializer
    input_serializer_class = ReceiptInputSerializer
    project_path = "project__"
    pagination_class = Cursor
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    filterset_fields = ["project", "status"]

    def run_service(self, data):
        return services.receipt_record(actor=self.request.user, **data)

    def _undo(self, request, undo):
        reason = ReasonInputSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        receipt = undo(receipt=self.get_object(), actor=request.user,
                       reason=reason.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=receipt.pk)).data)

    @extend_schema(summary="Refund the receipt to the association, with a reason (an officer "
                           "who did not record it); its match is recomputed",
                   request=ReasonInputSerializer, parameters=[idempotency.PARAMETER],
                   responses={200: ReceiptSerializer, 400: BAD_REQUEST, 409: REFUSED, 422: REFUSED})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    @idempotency.idempotent
    def refund(self, request, pk=None):
        return self._undo(request, services.receipt_refund)

    @extend_schema(summary="Reverse the receipt as recorded in error, with a reason (an "
                           "officer who did not record it); its match is recomputed",
                   request=ReasonInputSerializer, parameters=[idempotency.PARAMETER],
                   responses={200: ReceiptSerializer, 400: BAD_REQUEST, 409: REFUSED, 422: REFUSED})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    @idempotency.idempotent
    def reverse(self, request, pk=None):
        return self._undo(request, services.receipt_reverse)
