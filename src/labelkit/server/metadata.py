"""The metadata schema: reserved and custom fields, and the checks row metadata must pass.

Reserved fields are the same in every organization, so they live here rather than in the
database; an organization's custom fields are one query, made only when a row uses a name
that is not reserved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .models import MetadataField

__all__ = [
    "KINDS",
    "RESERVED_FIELDS",
    "RESERVED_NAMES",
    "RESERVED_RULES",
    "FieldSpec",
    "MetadataRules",
    "custom_fields",
    "field_payload",
    "load_metadata_rules",
    "needs_custom_fields",
]

KINDS = ("STRING", "NUMBER", "DATETIME", "ENUM")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    id: str
    name: str
    kind: str
    options: tuple[str, ...] = ()
    reserved: bool = False


RESERVED_FIELDS = (
    FieldSpec("mdf_reserved_tag", "tag", "STRING", reserved=True),
    FieldSpec("mdf_reserved_split", "split", "ENUM", ("train", "valid", "test"), reserved=True),
    FieldSpec("mdf_reserved_capture_dt", "captureDateTime", "DATETIME", reserved=True),
)
RESERVED_NAMES = frozenset(spec.name for spec in RESERVED_FIELDS)

# A check returns None for a good value, else the reason.
_Check = Callable[[str, Any], str | None]


def _check_string(name: str, value: Any) -> str | None:
    return None if type(value) is str else f"metadata field {name!r} must be a string"


def _check_number(name: str, value: Any) -> str | None:
    # bool is an int subclass; a JSON true is not a number.
    if type(value) is int or type(value) is float:
        return None
    return f"metadata field {name!r} must be a number"


def _check_datetime(name: str, value: Any) -> str | None:
    if type(value) is str:
        try:
            datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return None
    return f"metadata field {name!r} must be an ISO 8601 date-time string"


def _enum_check(options: tuple[str, ...]) -> _Check:
    allowed = frozenset(options)
    listed = ", ".join(options)

    def check(name: str, value: Any) -> str | None:
        if type(value) is str and value in allowed:
            return None
        return f"metadata field {name!r} must be one of {listed}"

    return check


def _check_for(spec: FieldSpec) -> _Check:
    if spec.kind == "ENUM":
        return _enum_check(spec.options)
    return {"STRING": _check_string, "NUMBER": _check_number, "DATETIME": _check_datetime}[
        spec.kind
    ]


class MetadataRules:
    """Checks a row's metadata against one organization's fields."""

    def __init__(self, fields: Iterable[FieldSpec]) -> None:
        self._checks: dict[str, _Check] = {spec.name: _check_for(spec) for spec in fields}

    def problem(self, metadata: Any) -> str | None:
        """None when `metadata` is acceptable, else the reason (naming the field)."""
        if type(metadata) is not dict:
            return "metadata must be a JSON object"
        checks = self._checks
        for name, value in metadata.items():
            check = checks.get(name)
            if check is None:
                return f"metadata field {name!r} is not in the organization's metadata schema"
            reason = check(name, value)
            if reason is not None:
                return reason
        return None


RESERVED_RULES = MetadataRules(RESERVED_FIELDS)


def needs_custom_fields(metadata_values: Iterable[Any]) -> bool:
    """Whether any of these metadata objects uses a name beyond the reserved ones."""
    reserved = RESERVED_NAMES
    return any(
        type(metadata) is dict and not metadata.keys() <= reserved for metadata in metadata_values
    )


async def custom_fields(connection: AsyncConnection, organization_id: str) -> list[FieldSpec]:
    rows = await connection.execute(
        select(MetadataField.id, MetadataField.name, MetadataField.kind, MetadataField.options)
        .where(MetadataField.organization_id == organization_id)
        .order_by(MetadataField.id)
    )
    return [FieldSpec(row.id, row.name, row.kind, tuple(row.options or ())) for row in rows]


async def load_metadata_rules(
    engine: AsyncEngine, organization_id: str, metadata_values: Iterable[Any]
) -> MetadataRules:
    """The rules for these rows: the reserved fields alone, without a query, when enough."""
    if not needs_custom_fields(metadata_values):
        return RESERVED_RULES
    async with engine.connect() as connection:
        fields = await custom_fields(connection, organization_id)
    return MetadataRules((*RESERVED_FIELDS, *fields))


def field_payload(spec: FieldSpec) -> Mapping[str, Any]:
    return {
        "id": spec.id,
        "name": spec.name,
        "kind": spec.kind,
        "options": list(spec.options),
        "reserved": spec.reserved,
    }
