"""What the OpenAPI document says about errors, so that it describes every answer.

Every error body has one shape (drf-standardized-errors):

    {"type": "validation_error" | "client_error" | "server_error",
     "errors": [{"code": "...", "detail": "...", "attr": "field" | null}]}

`code` is a stable machine word. Statuses and codes by family:

- 400: a field or parameter is wrong (`validation_error`, `attr` names it, the request
  header `Idempotency-Key` included), or the body is not JSON (`client_error`,
  `parse_error`); any operation, since any query parameter with a control character is
  refused;
- 401 `not_authenticated` / `authentication_failed`; 403 `permission_denied` (the role or
  the policy refuses); 404 `not_found` (missing and out of scope alike); 405, 406, 415;
- 409: the project's state or a rule refuses (codes such as `not_allowed`, `four_eyes`,
  `project_closed`, `association_lapsed`, `not_held`, `transition_not_allowed`), or the
  same thing exists (`duplicate_reference`, with `attr`);
- 422 `idempotency_key_reused`; 429 `throttled` (rate limits and login lock-outs, with
  `Retry-After`); 500 `error`.
"""

from drf_spectacular.utils import PolymorphicProxySerializer
from drf_standardized_errors.openapi import AutoSchema as StandardizedAutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="A stable machine word: invalid, required, "
                                           "not_allowed, duplicate_reference, ...")
    detail = serializers.CharField(help_text="For people, in the request's language.")
    attr = serializers.CharField(allow_null=True, help_text=(
        "The field, parameter or header the error is about (nested fields dotted: "
        "rules.parties.0.weight), or null."))


class ValidationErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["validation_error"])
    errors = ErrorSerializer(many=True)


class ClientErrorResponseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["client_error"])
    errors = ErrorSerializer(many=True)


def _either(name: str) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name=name, resource_type_field_name="type",
        serializers={"validation_error": ValidationErrorResponseSerializer,
                     "client_error": ClientErrorResponseSerializer})


BAD_REQUEST = _either("BadRequestResponse")
# a service's refusal: about a field (validation_error with attr) or the whole request
SERVICE_REFUSAL = _either("ServiceRefusalResponse")
IDEMPOTENCY_REUSED = ClientErrorResponseSerializer


class AutoSchema(StandardizedAutoSchema):
    """drf-standardized-errors' schema, with one 400 body for every operation (a field, a
    parameter, a header or an unreadable body) instead of per-field enumerations that the
    services' and the request checks' errors fall outside of."""

    def _should_add_error_response(self, responses, status_code):
        if status_code == "400":
            return status_code not in responses
        return super()._should_add_error_response(responses, status_code)

    def _get_http400_serializer(self):
        return BAD_REQUEST


RATE_LIMIT_HEADERS = {
    "RateLimit-Policy": ("string", "The limit and its window: 600;w=60."),
    "RateLimit-Limit": ("integer", "Requests allowed in the window."),
    "RateLimit-Remaining": ("integer", "Requests left in the window."),
    "RateLimit-Reset": ("integer", "Seconds until the window frees a request."),
}


# what the API refuses in any text it is sent (text.XML_ILLEGAL, less the surrogates that
# UTF-8 cannot carry anyway): said on every text of a request the schema describes
NO_CONTROL = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]*$"


def _no_control(schema: dict) -> None:
    if (schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema
            and schema.get("format") not in ("binary", "date", "date-time", "decimal")):
        schema["pattern"] = NO_CONTROL


def document_text(result, generator, request, public):
    """Post-processing: every text of a request (body fields, query parameters) says that
    control characters are refused (matching/text.py), as the API's request check does."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request"):
            for field in component.get("properties", {}).values():
                _no_control(field)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    _no_control(parameter.get("schema", {}))
    return result


def document_headers(result, generator, request, public):
    """Post-processing: the rate-limit headers on every answer that passed the throttles
    (optional: answers refused before them carry none) and Retry-After on every 429."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                headers = response.setdefault("headers", {})
                if status.startswith("2"):
                    for name, (kind, text) in RATE_LIMIT_HEADERS.items():
                        headers[name] = {"schema": {"type": kind}, "description": text}
                if status == "429":
                    headers["Retry-After"] = {
                        "schema": {"type": "integer"}, "required": True,
                        "description": "Seconds to wait before trying again."}
                if not headers:
                    del response["headers"]
    return result
