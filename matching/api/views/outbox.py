"""The outbox's failed and dead-lettered events, read-only, for auditors and administrators
(the page /outbox/ shows the same and lets an administrator replay them)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError

from ... import policies
from ...models import OutboxMessage
from ..base import Cursor, ScopedMixin

KINDS = {"dead": OutboxMessage.objects.dead, "failing": OutboxMessage.objects.failing}


class MayReadOutbox(permissions.BasePermission):
    message = "Only auditors and programme administrators read the outbox."

    def has_permission(self, request, view):
        return policies.role_may(request.user, "outbox_read")


class OutboxMessageSerializer(serializers.ModelSerializer):
    payload = serializers.JSONField()

    class Meta:
        model = OutboxMessage
        fields = ["id", "topic", "payload", "created_at", "attempts", "last_error",
                  "last_attempt_at", "next_attempt_at", "dead_at", "replayed_at"]
        read_only_fields = fields


@extend_schema(summary="Events whose work failed: dead-lettered or still retrying",
               parameters=[OpenApiParameter("state", str, enum=sorted(KINDS),
                                            description="dead (the default) or failing")],
               responses={200: OutboxMessageSerializer(many=True)})
class OutboxView(ScopedMixin, generics.ListAPIView):
    permission_classes = [permissions.IsAuthenticated, MayReadOutbox]
    serializer_class = OutboxMessageSerializer
    pagination_class = Cursor
    filter_backends = []
    project_path = None  # no project scope: the permission admits auditors and administrators

    def get_queryset(self):
        state = self.request.query_params.get("state", "dead")
        if state not in KINDS:
            raise ValidationError({"state": ["One of: dead, failing."]})
        return KINDS[state]()
