"""Resolvers, one module per resource; `bindables` is everything the schema binds."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType

from ..pagination import resolve_total_count
from . import (
    batches,
    data_rows,
    datasets,
    exports,
    global_keys,
    imports,
    label_imports,
    labels,
    metadata,
    ontologies,
    people,
    predictions,
    projects,
    queue,
    tags,
    tasks,
    uploads,
    users,
    webhooks,
)
from .common import mutation, query

__all__ = ["bindables"]


def _connection_types() -> list[ObjectType]:
    # totalCount is a resolver, so the count query runs only when a client selects it.
    types = []
    for name in ("UserConnection", "ProjectConnection", "DatasetConnection", "DataRowConnection"):
        connection = ObjectType(name)
        connection.set_field("totalCount", resolve_total_count)
        types.append(connection)
    return types


bindables: list[Any] = [
    query,
    mutation,
    *users.bindables,
    *projects.bindables,
    *datasets.bindables,
    *data_rows.bindables,
    *uploads.bindables,
    *tasks.bindables,
    *imports.bindables,
    *global_keys.bindables,
    *metadata.bindables,
    # Project workflow
    *ontologies.bindables,
    *batches.bindables,
    *queue.bindables,
    *people.bindables,
    *tags.bindables,
    *webhooks.bindables,
    # Labels, imports and exports
    *labels.bindables,
    *predictions.bindables,
    *label_imports.bindables,
    *exports.bindables,
    *_connection_types(),
]
