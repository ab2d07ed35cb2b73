"""Datasets: dataset, datasets, createDataset, updateDataset, deleteDataset."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload

from ..errors import not_found
from ..ids import new_id
from ..models import Dataset, utcnow
from ..pagination import Connection, check_first, decode_cursor, keyset, make_connection
from .common import (
    apply_changes,
    context,
    count_where,
    delete_in_organization,
    mutation,
    name_and_description,
    query,
    require_text,
    resolve_created_by,
)

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
    changes = name_and_description(input)
    async with ctx.transaction() as session:
        dataset = await session.scalar(
            _select_datasets(Dataset.id == id, Dataset.organization_id == ctx.organization_id)
        )
        if dataset is None:
            raise not_found("Dataset", id)
        apply_changes(dataset, changes)
    return dataset


@mutation.field("deleteDataset")
async def resolve_delete_dataset(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    # The dataset's rows and their attachments go with it (ON DELETE CASCADE).
    return await delete_in_organization(context(info), Dataset, id)


bindables = [dataset_type]
