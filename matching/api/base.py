"""What every API view shares: the caller's scope, the mapping of service errors, the security
log, and cursor pagination.

Every view derives from `ScopedAPIView` or `ScopedViewSet`; their `get_queryset()` always
narrows to the caller with `policies.scope_q` (the one definition of scope): a clerk sees her mahallas, an officer his district, an administrator his region (or all), an
association its own projects, an auditor everything (read-only). An object outside the scope
is simply not in the queryset, so it answers 404 like one that does not exist.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, generics, permissions, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .. import policies, routing
from ..errors import ServiceError
from ..models import Role
from ..security import log_refusal
from ..text import CONTROL_MESSAGE, find_control
from .throttling import rate_limit_headers




class AuditorReadOnly(permissions.BasePermission):
    """An auditor reads everything and writes nothing."""

    message = _("Auditors have read-only access.")

    def has_permission(self, request, view):
        user = request.user
        return (request.method in permissions.SAFE_METHODS or not user.is_authenticated
                or user.role != Role.AUDITOR or user.is_superuser)


class IsAssociationUser(permissions.BasePermission):
    message = _("Only a migrant association's users may do this.")

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role == Role.ASSOCIATION
                    and user.association_id)


class ServiceRefusal(exceptions.APIException):
    """A ServiceError without a field, at its own status."""

    def __init__(self, error: ServiceError):
        self.status_code = error.status
        super().__init__(detail=error.message, code=error.code)


class ServiceFieldError(exceptions.ValidationError):
    """A ServiceError about one field: a validation error at the service's status."""

    def __init__(self, error: ServiceError):
        super().__init__(detail={error.field: [error.message]}, code=error.code)
        self.status_code = error.status


def as_api_exception(exc: Exception) -> Exception:
    if isinstance(exc, ServiceError):
        if exc.status == 403:  # one code for every refusal of the role or the policy
            return exceptions.PermissionDenied(detail=exc.message)
        return ServiceFieldError(exc) if exc.field else ServiceRefusal(exc)
    return exc


def refuse_control_characters(request) -> None:
    """400, naming the field or parameter, for text that no output could carry (text.py):
    checked once here for every API request, body and query alike, so that no endpoint
    stores it nor sends it to the database (PostgreSQL refuses NUL in text)."""
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict: form or multipart (files aside)
        data = {key: values for key, values in data.lists() if key not in request.FILES}
    query = dict(request.query_params.lists())
    for given in (query, data):
        field = find_control(given)
        if field is not None:
            name = field.split(".")[0] if given is query or hasattr(request.data, "lists") \
                else field
            raise exceptions.ValidationError({name: [_(CONTROL_MESSAGE)]})


class ScopedMixin:
    """The one base of every API view: scope, error mapping and the security log.

    `project_path` names the way from the view's model to its project ("" for Project,
    "project__" for a pledge); `public = True` marks an endpoint that anyone may read and that
    exposes no personal data, and skips scoping.
    """

    project_path: str | None = ""
    public = False
    permission_classes = [permissions.IsAuthenticated, AuditorReadOnly]
    # JSON only: people read the API through Swagger UI at /api/docs/
    renderer_classes = [JSONRenderer]

    def get_permissions(self):
        if self.public:
            return [permissions.AllowAny()]
        return super().get_permissions()

    def scope(self, queryset):
        if self.public or self.project_path is None:
            return queryset
        return queryset.filter(policies.scope_q(self.request.user, self.project_path))

    def get_queryset(self):
        return self.scope(super().get_queryset())

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        refuse_control_characters(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in rate_limit_headers(request).items():
            response[name] = value
        return response

    def handle_exception(self, exc):
        if routing.replica_failed_under(self.request._request):
            raise exc  # not an error: routing.ReplicaMiddleware answers from the primary
        exc = as_api_exception(exc)
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed,
                            exceptions.PermissionDenied)) and not getattr(exc, "logged", False):
            log_refusal(self.request, getattr(exc, "status_code", 403), str(exc.detail))
        return super().handle_exception(exc)


class ScopedAPIView(ScopedMixin, generics.GenericAPIView):
    pass


class ScopedViewSet(ScopedMixin, viewsets.GenericViewSet):
    lookup_value_regex = "[0-9]+"  # anything else is a JSON 404 (see urls.not_found)


class Cursor(CursorPagination):
    """Newest first by id: stable, index-backed, and no COUNT(*).

    Every cursor here is ordered by an integer id, so a position that is not one (a forged
    cursor) is refused like any other bad cursor, not passed to the query to fail there."""

    ordering = "-id"
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        """`page_size` from 1 to max_page_size, or a 400 naming it (not silently ignored)."""
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return self.page_size
        if not (given.isascii() and given.isdigit() and 1 <= int(given) <= self.max_page_size):
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return int(given)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1,
                                       "maximum": self.max_page_size}
        return parameters

    def decode_cursor(self, request):
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                int(cursor.position)
            except ValueError:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor


class ServiceCreateMixin:
    """`POST` a collection: check the shape with `input_serializer_class`, let the service
    check the rules and write, answer 201 with the output serializer of what it created.
    Each view defines `run_service(data)`, which calls its service and returns the record."""

    input_serializer_class = None

    def create(self, request, *args, **kwargs):
        given = self.input_serializer_class(data=request.data,
                                            context=self.get_serializer_context())
        given.is_valid(raise_exception=True)
        created = self.run_service(given.validated_data)
        created = self.queryset.get(pk=created.pk)  # re-read with the list's joins
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)
