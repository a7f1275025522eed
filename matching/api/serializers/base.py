"""What every input serializer of the API shares: JSON values of the type the schema says.

DRF reads "5" as an integer, 1 as a decimal and "yes" as true; the OpenAPI document says an
id is an integer, an amount a decimal string and a flag a boolean, and a strict client (or a
fuzzer) holds the API to it. So a JSON body's values must have the documented JSON type;
forms and multipart bodies, where everything is text, are read as DRF reads them.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import relations, serializers

# field class → the JSON types its value may have (checked in this order: the first match)
JSON_TYPES = [
    (serializers.BooleanField, (bool,), _("Expected true or false.")),
    (serializers.IntegerField, (int,), _("Expected a whole number.")),
    (relations.PrimaryKeyRelatedField, (int,), _("Expected an id (a whole number).")),
    (serializers.DecimalField, (str,), _("Send amounts as decimal strings: \"250000.00\".")),
    (serializers.CharField, (str,), _("Expected a string.")),
    (serializers.DateField, (str,), _("Expected a date: \"2026-06-30\".")),
    (serializers.ChoiceField, (str,), _("Expected a string.")),
]


def type_problem(field, value):
    if value is None:
        return None  # the field itself decides whether null is allowed
    for kind, types, message in JSON_TYPES:
        if isinstance(field, kind):
            if isinstance(value, bool) and bool not in types:
                return message
            return None if isinstance(value, types) else message
    return None


class StrictInputMixin:
    """Refuse, field by field, JSON values of another type than the schema's."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not hasattr(data, "getlist"):  # JSON, not a form
            errors = {name: [problem] for name, field in self.fields.items()
                      if not field.read_only and name in data
                      and (problem := type_problem(field, data[name]))}
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class InputSerializer(StrictInputMixin, serializers.Serializer):
    pass
