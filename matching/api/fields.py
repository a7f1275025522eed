"""Fields every API answer shares.

**Timestamps** leave the API and the webhooks in one form: ISO 8601 in UTC with a `Z`
(`2026-03-02T07:15:00.123456Z`), whatever the server's or the user's time zone; dates (a
receipt's `received_on`, a pledge's `expected_on`) are calendar days, as the people who typed
them meant them. `UTCDateTimeField` replaces DRF's DateTimeField for every model serializer
(apps.MatchingConfig.ready); hand-built answers call `utc_iso`.
"""

import datetime

from rest_framework import serializers

UTC = datetime.timezone.utc


def utc_iso(value: datetime.datetime | None) -> str | None:
    """`value` as the API writes every timestamp: ISO 8601, UTC, "Z"."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class UTCDateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, written (and naive input read) in UTC."""

    def default_timezone(self):
        return UTC
