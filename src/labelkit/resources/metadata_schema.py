from __future__ import annotations

from collections.abc import Sequence

from .._generated.enums import MetadataKind
from .._generated.fragments import MetadataFieldFields
from .._generated.input_types import MetadataFieldInput
from .._transport import new_idempotency_key
from ._base import Resource, coerce_enum


class MetadataSchema(Resource):
    """`client.metadata_schema`: the typed metadata fields data rows may carry.

    Reserved fields exist in every organization: `tag` (string), `split` (enum: train,
    valid, test) and `captureDateTime` (datetime).
    """

    async def list(self) -> list[MetadataFieldFields]:
        return await self._call(self._api.list_metadata_fields())

    async def create(
        self, name: str, kind: MetadataKind | str, *, options: Sequence[str] | None = None
    ) -> MetadataFieldFields:
        """Adds a field; an ENUM field needs `options`, other kinds take none."""
        kind = coerce_enum(MetadataKind, kind, "kind")
        if kind == MetadataKind.ENUM and not options:
            raise ValueError("an ENUM metadata field needs options")
        if kind != MetadataKind.ENUM and options:
            raise ValueError(f"a {kind.value} metadata field takes no options")
        return await self._call(
            self._api.create_metadata_field(
                input=MetadataFieldInput(
                    name=name, kind=kind, options=list(options) if options else None
                ),
                idempotency_key=new_idempotency_key(),
            )
        )
