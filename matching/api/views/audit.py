"""The audit trail, for auditors and programme administrators: every insert, update and delete
of one kind of record (and optionally one record), with who did it, from where, and how."""

import json

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import ValidationError

from ...models import Role
from ..base import Cursor, ScopedMixin
from ..fields import UTCDateTimeField

AUDITED = sorted(model.__name__.removesuffix("Audit") for model in apps.get_app_config(
    "matching").get_models() if model.__name__.endswith("Audit"))


class IsAuditorOrAdministrator(permissions.BasePermission):
    message = "Only auditors and programme administrators read the audit trail."

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated
                    and (user.is_superuser or user.role in (Role.AUDITOR, Role.ADMINISTRATOR)))


class AuditEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pgh_id")
    at = UTCDateTimeField(source="pgh_created_at")
    action = serializers.CharField(source="pgh_label", help_text="insert, update or delete")
    object_id = serializers.CharField(source="pgh_obj_id")
    data = serializers.SerializerMethodField(help_text="the record after the change")
    context = serializers.SerializerMethodField(
        help_text="who (user id), from where (ip, url) and how (service) the change was made")

    def get_data(self, event) -> dict:
        snapshot = {field.attname: getattr(event, field.attname)
                    for field in event._meta.concrete_fields
                    if not field.name.startswith("pgh_")}
        return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))  # decimals as strings

    def get_context(self, event) -> dict:
        return event.pgh_context.metadata if event.pgh_context_id else {}


class AuditCursor(Cursor):
    ordering = "-pgh_id"
    page_size = 50
    max_page_size = 200


@extend_schema(parameters=[
    OpenApiParameter("model", OpenApiTypes.STR, required=True, enum=AUDITED,
                     description="which kind of record"),
    OpenApiParameter("object_id", OpenApiTypes.INT, description="one record only")],
    responses={200: AuditEventSerializer(many=True)})
class AuditTrailView(ScopedMixin, generics.ListAPIView):
    """Newest first. Read-only: the trail's tables refuse updates and deletes themselves."""

    permission_classes = [IsAuditorOrAdministrator]
    serializer_class = AuditEventSerializer
    pagination_class = AuditCursor
    filter_backends = []
    project_path = None  # no project scope: the permission admits auditors and administrators

    def get_queryset(self):
        name = self.request.query_params.get("model", "")
        if name not in AUDITED:
            raise ValidationError({"model": [f"One of: {', '.join(AUDITED)}."]})
        events = apps.get_model("matching", f"{name}Audit").objects.select_related(
            "pgh_context")
        object_id = self.request.query_params.get("object_id")
        if object_id is not None:
            if not (object_id.isascii() and object_id.isdigit()):  # not "²", which int() refuses
                raise ValidationError({"object_id": ["A whole number."]})
            events = events.filter(pgh_obj_id=int(object_id))
        return events
