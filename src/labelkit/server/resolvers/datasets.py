"""Datasets: dataset, datasets, createDataset, updateDataset, deleteDataset."""

from __future__ import annotations

from typing import Any, cast

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, CursorResult, Select, delete, func, select
from sqlalchemy.orm import joinedload

from ..errors import not_found
from ..ids import new_id
from ..models import Dataset, utcnow
from ..pagination import Connection, check_first, decode_cursor, keyset, make_connection
from .common import context, count_where, mutation, query, require_text, resolve_created_by

__all__ = ["bindables"]

dataset_type = ObjectType("Dataset")
dataset_type.set_field("createdBy", resolve_created_by)


def _select_datasets(*conditions: ColumnElement[bool]) -> Select[Dataset]:
    return select(Dataset).options(joinedload(Dataset.created_by)).where(*conditions)


@query.field("dataset")
async def resolve_dataset(_: None, info: GraphQLResolveInfo, id: str) -> Dataset:
    ctx = context(info)
    async with ctx.session() as session:
        dataset = await session.scalar(
            _select_datasets(Dataset.id == id, Dataset.organization_id == ctx.organization_id)
        )
    if dataset is None:
        raise not_found("Dataset", id)
    return dataset


@query.field("datasets")
async def resolve_datasets(
    _: None,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "ds")
    conditions = [Dataset.organization_id == ctx.organization_id]
    name_contains = (filter or {}).get("name_contains")
    if name_contains:
        conditions.append(func.lower(Dataset.name).contains(name_contains.lower(), autoescape=True))
    async with ctx.session() as session:
        statement = keyset(_select_datasets(*conditions), Dataset.id, limit, after_id)
        datasets = (await session.scalars(statement)).all()
    return make_connection(datasets, limit, lambda: count_where(ctx, Dataset, *conditions))


@mutation.field("createDataset")
async def resolve_create_dataset(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Dataset:
    ctx = context(info)
    now = utcnow()
    dataset = Dataset(
        id=new_id("ds"),
        organization_id=ctx.organization_id,
        name=require_text(input.get("name"), "name"),
        description=input.get("description"),
        row_count=0,
        created_at=now,
        updated_at=now,
        created_by_id=ctx.principal.user_id,
    )
    async with ctx.transaction() as session:
        session.add(dataset)
    return dataset


@mutation.field("updateDataset")
async def resolve_update_dataset(
    _: None, info: GraphQLResolveInfo, id: str, input: dict[str, Any]
) -> Dataset:
    ctx = context(info)
    # Omitted fields stay as they are; an explicit null description clears it.
    name = require_text(input["name"], "name") if "name" in input else None
    async with ctx.transaction() as session:
        dataset = await session.scalar(
            _select_datasets(Dataset.id == id, Dataset.organization_id == ctx.organization_id)
        )
        if dataset is None:
            raise not_found("Dataset", id)
        if name is not None:
            dataset.name = name
        if "description" in input:
            dataset.description = input["description"]
        if name is not None or "description" in input:
            dataset.updated_at = utcnow()
    return dataset


@mutation.field("deleteDataset")
async def resolve_delete_dataset(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    # The dataset's rows and their attachments go with it (ON DELETE CASCADE).
    async with ctx.transaction() as session:
        result = cast(
            CursorResult[Any],
            await session.execute(
                delete(Dataset)
                .where(Dataset.id == id, Dataset.organization_id == ctx.organization_id)
                .execution_options(synchronize_session=False)
            ),
        )
    if result.rowcount == 0:
        raise not_found("Dataset", id)
    return {"deleted_count": result.rowcount}


bindables = [dataset_type]
