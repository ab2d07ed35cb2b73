"""The metadata schema: metadataSchema and createMetadataField."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLResolveInfo
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, ErrorCode, validation
from ..ids import new_id
from ..metadata import (
    RESERVED_FIELDS,
    RESERVED_NAMES,
    FieldSpec,
    custom_fields,
    field_payload,
)
from ..models import MetadataField, utcnow
from .common import context, mutation, query, require_text

__all__ = ["bindables"]


def _conflict(name: str) -> ApiError:
    return ApiError(ErrorCode.CONFLICT, f"Metadata field {name!r} already exists")


@query.field("metadataSchema")
async def resolve_metadata_schema(_: None, info: GraphQLResolveInfo) -> list[Mapping[str, Any]]:
    ctx = context(info)
    async with ctx.state.engine.connect() as connection:
        fields = await custom_fields(connection, ctx.organization_id)
    return [field_payload(spec) for spec in (*RESERVED_FIELDS, *fields)]


def _options(kind: str, options: list[str] | None) -> list[str]:
    if kind != "ENUM":
        if options:
            raise validation(f"A {kind} metadata field takes no options")
        return []
    if not options:
        raise validation("An ENUM metadata field needs at least one option")
    for position, option in enumerate(options):
        require_text(option, f"options[{position}]")
    if len(set(options)) != len(options):
        raise validation("Metadata field options must be unique")
    return list(options)


@mutation.field("createMetadataField")
async def resolve_create_metadata_field(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Mapping[str, Any]:
    ctx = context(info)
    name = require_text(input["name"], "name")
    kind = str(input["kind"])
    options = _options(kind, input.get("options"))
    if name in RESERVED_NAMES:
        raise _conflict(name)
    field = MetadataField(
        id=new_id("mdf"),
        organization_id=ctx.organization_id,
        name=name,
        kind=kind,
        options=options,
        created_at=utcnow(),
    )
    try:
        async with ctx.transaction() as session:
            session.add(field)
    except IntegrityError:
        raise _conflict(name) from None
    return field_payload(FieldSpec(field.id, name, kind, tuple(options)))


bindables: list[Any] = []
