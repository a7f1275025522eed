"""An association's webhook endpoints (CRUD of its own) and their delivery log, with replay."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from ...models import WebhookDelivery, WebhookEndpoint
from ..base import Cursor, IsAssociationUser, ScopedViewSet
from ..filters import DeliveryFilter
from ..serializers.webhooks import (WebhookDeliverySerializer, WebhookEndpointCreatedSerializer,
                                    WebhookEndpointSerializer)
from ..webhooks import delivery_replay


class AssociationOwned(ScopedViewSet):
    """Scoped to the caller's association instead of to projects."""

    project_path = None
    association_path = "association_id"
    permission_classes = [*ScopedViewSet.permission_classes, IsAssociationUser]

    def get_queryset(self):
        return super().get_queryset().filter(
            **{self.association_path: self.request.user.association_id})


@extend_schema_view(
    list=extend_schema(summary="My webhook endpoints"),
    retrieve=extend_schema(summary="One of my webhook endpoints"),
    create=extend_schema(
        summary="Register a URL; the signing secret is in this response only",
        responses={201: WebhookEndpointCreatedSerializer},
        examples=[OpenApiExample("Register", request_only=True, value={
            "url": "https://example.org/hashar/events", "description": "Our dashboard"})]),
    update=extend_schema(summary="Change an endpoint"),
    partial_update=extend_schema(summary="Change an endpoint (some fields)"),
    destroy=extend_schema(summary="Remove an endpoint"),
)
class WebhookEndpointViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             mixins.DestroyModelMixin, AssociationOwned):
    queryset = WebhookEndpoint.objects.all()
    serializer_class = WebhookEndpointSerializer
    pagination_class = Cursor

    def create(self, request, *args, **kwargs):
        given = WebhookEndpointSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        endpoint = given.save(association_id=request.user.association_id,
                              created_by=request.user)
        return Response(WebhookEndpointCreatedSerializer(endpoint).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="The delivery log of my endpoints"),
    retrieve=extend_schema(summary="One delivery"),
    replay=extend_schema(summary="Send a delivery again", request=None,
                         responses={202: WebhookDeliverySerializer}),
)
class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             AssociationOwned):
    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    association_path = "endpoint__association_id"
    pagination_class = Cursor
    filterset_class = DeliveryFilter

    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        delivery = delivery_replay(delivery=self.get_object())
        return Response(WebhookDeliverySerializer(delivery).data,
                        status=status.HTTP_202_ACCEPTED)
