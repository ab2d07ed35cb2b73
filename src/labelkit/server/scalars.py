"""Custom scalars: DateTime (always UTC with an offset) and JSON (passed through)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ariadne import ScalarType
from graphql import GraphQLError

__all__ = ["datetime_scalar", "json_scalar"]

datetime_scalar = ScalarType("DateTime")
json_scalar = ScalarType("JSON")


@datetime_scalar.serializer
def serialize_datetime(value: datetime) -> str:
    # SQLite hands back naive datetimes; everything is stored in UTC.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    return value.astimezone(UTC).isoformat()


@datetime_scalar.value_parser
def parse_datetime(value: Any) -> datetime:
    # A GraphQLError (not ValueError) so that the client gets VALIDATION, not INTERNAL.
    if not isinstance(value, str):
        raise GraphQLError("DateTime must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise GraphQLError(f"Invalid ISO 8601 date-time: {value[:64]!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
