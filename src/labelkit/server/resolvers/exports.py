"""Exports: createExport, export, exports, deleteExport. The rows themselves stream from
`GET /exports/{id}/stream` (see `..exports`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio
from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, select

from ..errors import not_found, validation
from ..exports import PARAM_NAMES, count_rows, plan_of, snapshot_path, start_snapshot
from ..ids import new_id
from ..models import Batch, Dataset, Export, Project, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from .common import MAX_NAME_LENGTH, context, count_where, find_in_organization, mutation, query
from .labels import resolve_creator

__all__ = ["bindables"]

MAX_LISTED_IDS = 100_000

export_type = ObjectType("Export")
export_type.set_field("createdBy", resolve_creator)


@export_type.field("streamPath")
def resolve_stream_path(export: Export, _info: GraphQLResolveInfo) -> str:
    return f"exports/{export.id}/stream"


@export_type.field("errors")
def resolve_export_errors(export: Export, _info: GraphQLResolveInfo) -> list[str]:
    return export.errors or []


def _window(value: dict[str, datetime | None] | None, name: str) -> dict[str, str | None] | None:
    if value is None:
        return None
    start, end = value.get("start"), value.get("end")
    if start is None and end is None:
        raise validation(f"filters.{name} needs a start, an end or both")
    if start is not None and end is not None and start > end:
        raise validation(
            f"filters.{name}: start ({start.isoformat()}) is after end ({end.isoformat()})"
        )
    return {
        "start": start.isoformat() if start is not None else None,
        "end": end.isoformat() if end is not None else None,
    }


def _id_list(values: list[str] | None, name: str) -> list[str] | None:
    if values is None:
        return None
    if len(values) > MAX_LISTED_IDS:
        raise validation(f"filters.{name} takes at most {MAX_LISTED_IDS} values, got {len(values)}")
    if not values:
        raise validation(f"filters.{name} must not be empty (leave it out to export every row)")
    return list(dict.fromkeys(values))


def _filters(raw: dict[str, Any], project: bool) -> dict[str, Any]:
    if not project:
        for name, api_name in (("workflow_status", "workflowStatus"), ("batch_ids", "batchIds")):
            if raw.get(name) is not None:
                raise validation(f"filters.{api_name} applies to project exports only")
    filters = {
        "last_activity_at": _window(raw.get("last_activity_at"), "lastActivityAt"),
        "label_created_at": _window(raw.get("label_created_at"), "labelCreatedAt"),
        "workflow_status": raw.get("workflow_status"),
        "batch_ids": _id_list(raw.get("batch_ids"), "batchIds"),
        "data_row_ids": _id_list(raw.get("data_row_ids"), "dataRowIds"),
        "global_keys": _id_list(raw.get("global_keys"), "globalKeys"),
    }
    return {name: value for name, value in filters.items() if value is not None}


@mutation.field("createExport")
async def resolve_create_export(_: None, info: GraphQLResolveInfo, input: dict[str, Any]) -> Export:
    ctx = context(info)
    project_id, dataset_id = input.get("project_id"), input.get("dataset_id")
    if (project_id is None) == (dataset_id is None):
        raise validation("Give exactly one of projectId and datasetId")
    title = input.get("title")
    if title is not None and len(title) > MAX_NAME_LENGTH:
        raise validation(f"title must be at most {MAX_NAME_LENGTH} characters")
    raw_params = input.get("params") or {}
    params = {name: bool(raw_params.get(name) or False) for name in PARAM_NAMES}
    if dataset_id is not None and params["project_details"]:
        raise validation("params.projectDetails applies to project exports only")
    filters = _filters(input.get("filters") or {}, project_id is not None)
    snapshot = bool(input.get("snapshot"))
    async with ctx.transaction() as session:
        if project_id is not None:
            await find_in_organization(session, ctx, Project, project_id)
            if "batch_ids" in filters:
                found = set(
                    await session.scalars(
                        select(Batch.id).where(
                            Batch.project_id == project_id, Batch.id.in_(filters["batch_ids"])
                        )
                    )
                )
                missing = [batch for batch in filters["batch_ids"] if batch not in found]
                if missing:
                    raise not_found(f"Batch of project {project_id!r}", missing[0])
        else:
            dataset = await session.scalar(
                select(Dataset.id).where(
                    Dataset.id == dataset_id, Dataset.organization_id == ctx.organization_id
                )
            )
            if dataset is None:
                raise not_found("Dataset", str(dataset_id))
        now = utcnow()
        export = Export(
            id=new_id("exp"),
            organization_id=ctx.organization_id,
            project_id=project_id,
            dataset_id=dataset_id,
            title=title,
            snapshot=snapshot,
            status="CREATED" if snapshot else "COMPLETED",
            row_count=None,
            params=params,
            filters=filters,
            errors=[],
            created_by_id=ctx.principal.user_id,
            created_at=now,
            finished_at=None if snapshot else now,
        )
        if not snapshot:
            export.row_count = await count_rows(ctx.state, plan_of(ctx.state, export))
        session.add(export)
    if snapshot:
        start_snapshot(ctx.state, export.id, plan_of(ctx.state, export), ctx.organization_id)
    return export


async def _find_export(info: GraphQLResolveInfo, export_id: str) -> Export:
    ctx = context(info)
    async with ctx.session() as session:
        export = await session.scalar(
            select(Export).where(
                Export.id == export_id, Export.organization_id == ctx.organization_id
            )
        )
    if export is None:
        raise not_found("Export", export_id)
    return export


@query.field("export")
async def resolve_export(_: None, info: GraphQLResolveInfo, id: str) -> Export:
    return await _find_export(info, id)


@query.field("exports")
async def resolve_exports(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str | None = None,
    dataset_id: str | None = None,
    snapshots_only: bool = False,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "exp")
    conditions: list[ColumnElement[bool]] = [Export.organization_id == ctx.organization_id]
    if project_id is not None:
        conditions.append(Export.project_id == project_id)
    if dataset_id is not None:
        conditions.append(Export.dataset_id == dataset_id)
    if snapshots_only:
        conditions.append(Export.snapshot.is_(True))
    async with ctx.session() as session:
        rows = (
            await session.scalars(
                keyset(select(Export).where(*conditions), Export.id, limit, after_id)
            )
        ).all()
    return make_connection(rows, limit, lambda: count_where(ctx, Export, *conditions))


@mutation.field("deleteExport")
async def resolve_delete_export(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        export = await session.scalar(
            select(Export).where(Export.id == id, Export.organization_id == ctx.organization_id)
        )
        if export is None:
            raise not_found("Export", id)
        await session.delete(export)
    if export.snapshot:
        path = snapshot_path(ctx.state, ctx.organization_id, export.id)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))
    return {"deleted_count": 1}


def _connection_types() -> list[ObjectType]:
    connection = ObjectType("ExportConnection")
    connection.set_field("totalCount", resolve_total_count)
    return [connection]


bindables = [export_type, *_connection_types()]
