from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._generated.base_model import UNSET
from .._generated.enums import MediaType
from .._generated.fragments import OntologyFields
from .._generated.input_types import CreateOntologyInput, OntologyFilter
from .._generated.remove_feature_schema_from_ontology import (
    RemoveFeatureSchemaFromOntologyRemoveFeatureSchemaFromOntology as RemoveResult,
)
from .._transport import new_idempotency_key
from ..ontology import OntologyBuilder
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum


def _normalized(ontology: OntologyBuilder | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(ontology, OntologyBuilder):
        return ontology.to_dict()
    if not isinstance(ontology, Mapping):
        raise TypeError(
            f"ontology must be an OntologyBuilder or a dict, got {type(ontology).__name__}"
        )
    unknown = set(ontology) - {"tools", "classifications"}
    if unknown:
        raise ValueError(
            f"ontology has unknown keys {sorted(unknown)}; expected tools, classifications"
        )
    return {
        "tools": list(ontology.get("tools") or []),
        "classifications": list(ontology.get("classifications") or []),
    }


class Ontologies(Resource):
    """`client.ontologies`: ordered sets of root feature schemas that projects label with.

    `ontology.normalized` is the ontology as `OntologyBuilder.from_dict` reads it.
    """

    async def create(
        self,
        name: str,
        ontology: OntologyBuilder | Mapping[str, Any],
        media_type: MediaType | str | None = None,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> OntologyFields:
        """Creates an ontology from a builder or its normalized dict; nodes with a
        `featureSchemaId` reuse that feature schema, the others become new ones.
        The media type defaults to IMAGE."""
        ontology_input = CreateOntologyInput(
            name=name,
            description=description,
            normalized=_normalized(ontology),
            media_type=coerce_enum(MediaType, media_type, "media_type") if media_type else None,
        )
        return await self._call(
            self._api.create_ontology(
                input=ontology_input, idempotency_key=idempotency_key or new_idempotency_key()
            )
        )

    async def create_from_feature_schemas(
        self,
        name: str,
        feature_schema_ids: Sequence[str],
        media_type: MediaType | str | None = None,
    ) -> OntologyFields:
        """An ontology of existing root feature schemas, in this order."""
        ids = list(feature_schema_ids)
        if not ids:
            raise ValueError("feature_schema_ids must not be empty")
        return await self._call(
            self._api.create_ontology_from_feature_schemas(
                name=name,
                feature_schema_ids=ids,
                media_type=coerce_enum(MediaType, media_type, "media_type")
                if media_type
                else UNSET,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def get(self, id: str) -> OntologyFields:
        return await self._call(self._api.get_ontology(id=id))

    def list(
        self, *, name_contains: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[OntologyFields]:
        """Every ontology, oldest first; `name_contains` matches case-insensitively."""
        filter_ = (
            OntologyFilter(name_contains=name_contains) if name_contains is not None else UNSET
        )
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_ontologies(first=first, after=after, filter_=filter_)
            ),
            page_size=page_size,
        )

    def list_unused(self, *, page_size: int = 100) -> AsyncPaginator[OntologyFields]:
        """Ontologies connected to no project."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_unused_ontologies(first=first, after=after)
            ),
            page_size=page_size,
        )

    async def delete_unused(self, id: str) -> None:
        """Deletes the ontology; `ConflictError` while a project uses it."""
        await self._call(
            self._api.delete_unused_ontology(id=id, idempotency_key=new_idempotency_key())
        )

    async def insert_feature_schema(
        self, ontology_id: str, feature_schema_id: str, position: int
    ) -> OntologyFields:
        """Puts a root feature schema at `position` (0-based), moving it if already there."""
        if isinstance(position, bool) or not isinstance(position, int) or position < 0:
            raise ValueError(f"position must be an int >= 0, got {position!r}")
        return await self._call(
            self._api.insert_feature_schema_into_ontology(
                ontology_id=ontology_id,
                feature_schema_id=feature_schema_id,
                position=position,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def remove_feature_schema(self, ontology_id: str, feature_schema_id: str) -> RemoveResult:
        """Removes a root feature schema: archived (`.archived`) when labels of the
        ontology's projects use it, deleted (`.deleted`) otherwise."""
        return await self._call(
            self._api.remove_feature_schema_from_ontology(
                ontology_id=ontology_id,
                feature_schema_id=feature_schema_id,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def unarchive_feature_schema(
        self, ontology_id: str, feature_schema_id: str
    ) -> OntologyFields:
        return await self._call(
            self._api.unarchive_feature_schema(
                ontology_id=ontology_id,
                feature_schema_id=feature_schema_id,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def is_feature_schema_archived(self, ontology_id: str, feature_schema_id: str) -> bool:
        return await self._call(
            self._api.is_feature_schema_archived(
                ontology_id=ontology_id, feature_schema_id=feature_schema_id
            )
        )
