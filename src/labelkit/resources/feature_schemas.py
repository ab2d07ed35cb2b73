from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._generated.base_model import UNSET
from .._generated.fragments import FeatureSchemaFields
from .._generated.input_types import FeatureSchemaFilter
from .._transport import new_idempotency_key
from ..ontology import Classification, Tool
from ..pagination import AsyncPaginator
from ._base import Resource

FeatureSchemaNode = Tool | Classification | Mapping[str, Any]


def node_dict(node: FeatureSchemaNode, argument: str = "normalized") -> dict[str, Any]:
    """A `Tool`, a `Classification` or a normalized dict, as the normalized dict."""
    if isinstance(node, Tool | Classification):
        return node.to_dict()
    if not isinstance(node, Mapping):
        raise TypeError(
            f"{argument} must be a Tool, a Classification or a dict, got {type(node).__name__}"
        )
    if "tool" not in node and "type" not in node:
        raise ValueError(f"{argument} needs 'tool' (a tool) or 'type' (a classification)")
    return dict(node)


class FeatureSchemas(Resource):
    """`client.feature_schemas`: organization-level tools and classifications that ontologies
    are made of. A feature schema's id is its `featureSchemaId`."""

    async def create(
        self, normalized: FeatureSchemaNode, *, idempotency_key: str | None = None
    ) -> FeatureSchemaFields:
        """Creates a root tool or classification (nested ones included) from a `Tool`, a
        `Classification` or their normalized dict."""
        return await self._call(
            self._api.create_feature_schema(
                normalized=node_dict(normalized),
                idempotency_key=idempotency_key or new_idempotency_key(),
            )
        )

    async def upsert(self, normalized: FeatureSchemaNode) -> FeatureSchemaFields:
        """Updates the schema named by the node's `featureSchemaId`, or creates a new one."""
        return await self._call(
            self._api.upsert_feature_schema(
                normalized=node_dict(normalized), idempotency_key=new_idempotency_key()
            )
        )

    async def get(self, id: str) -> FeatureSchemaFields:
        """A root feature schema; `NotFoundError` otherwise (nested nodes included)."""
        return await self._call(self._api.get_feature_schema(id=id))

    def list(
        self, *, name_contains: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[FeatureSchemaFields]:
        """Every root feature schema, oldest first; `name_contains` is case-insensitive."""
        filter_ = (
            FeatureSchemaFilter(name_contains=name_contains) if name_contains is not None else UNSET
        )
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_feature_schemas(first=first, after=after, filter_=filter_)
            ),
            page_size=page_size,
        )

    def list_unused(self, *, page_size: int = 100) -> AsyncPaginator[FeatureSchemaFields]:
        """Feature schemas that no ontology and no label uses."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_unused_feature_schemas(first=first, after=after)
            ),
            page_size=page_size,
        )

    async def update_title(self, id: str, title: str) -> FeatureSchemaFields:
        if not isinstance(title, str) or not title.strip():
            raise ValueError("title must be a non-empty string")
        return await self._call(
            self._api.update_feature_schema_title(
                id=id, title=title, idempotency_key=new_idempotency_key()
            )
        )

    async def delete_unused(self, id: str) -> None:
        """Deletes the schema; `ConflictError` while an ontology or a label uses it."""
        await self._call(
            self._api.delete_unused_feature_schema(id=id, idempotency_key=new_idempotency_key())
        )
