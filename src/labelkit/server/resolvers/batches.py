"""Batches: batch, batches, createBatch, createBatches, createBatchesFromDataset, archiveBatch,
deleteBatch, removeQueuedDataRows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import Context
from ..errors import ApiError, ErrorCode, not_found, validation
from ..ids import new_id
from ..models import Batch, BatchRow, DataRow, Dataset, Label, Project, Task, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from ..workflow_rows import (
    INITIAL_LABELING,
    Identifiers,
    Resolved,
    chunks,
    insert_batch_rows,
    is_unique_violation,
    parse_identifiers,
    resolve,
    short_list,
)
from .common import (
    context,
    count_where,
    find_in_organization,
    mutation,
    query,
    require_text,
    resolve_created_by,
)

__all__ = ["MAX_BATCH_ROWS", "MAX_ROWS_PER_CALL", "bindables"]

MAX_BATCH_ROWS = 100_000
MAX_ROWS_PER_CALL = 1_000_000
MAX_CONSENSUS_LABELS = 20
_SUFFIX_DIGITS = 4

batch_type = ObjectType("Batch")
batch_type.set_field("createdBy", resolve_created_by)
batch_connection = ObjectType("BatchConnection")
batch_connection.set_field("totalCount", resolve_total_count)


def _check_priority(priority: int) -> int:
    if not 1 <= priority <= 5:
        raise validation(f"priority must be between 1 (highest) and 5 (lowest), got {priority}")
    return priority


def _check_project(project: Project) -> None:
    if project.queue_mode != "BATCH":
        raise validation(
            f"Project {project.id!r} has queue mode {project.queue_mode}; batches need BATCH"
        )


def _consensus(project: Project, settings: dict[str, Any] | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    if project.quality_mode != "CONSENSUS":
        raise validation("consensusSettings apply only to projects in CONSENSUS quality mode")
    labels, coverage = settings["number_of_labels"], settings["coverage_percentage"]
    if not 2 <= labels <= MAX_CONSENSUS_LABELS:
        raise validation(
            f"consensusSettings.numberOfLabels must be between 2 and {MAX_CONSENSUS_LABELS}, "
            f"got {labels}"
        )
    if not 0.0 <= coverage <= 1.0:
        raise validation(f"consensusSettings.coveragePercentage must be 0..1, got {coverage}")
    return {"number_of_labels": labels, "coverage_percentage": coverage}


async def _check_names_free(session: AsyncSession, project_id: str, names: Sequence[str]) -> None:
    taken: list[str] = []
    for part in chunks(names):
        taken.extend(
            await session.scalars(
                select(Batch.name).where(Batch.project_id == project_id, Batch.name.in_(part))
            )
        )
    if taken:
        raise ApiError(
            ErrorCode.CONFLICT,
            f"Project {project_id!r} already has batches named {short_list(sorted(taken))}",
        )


async def _add_batch(
    session: AsyncSession,
    ctx: Context,
    project: Project,
    name: str,
    priority: int,
    row_ids: Sequence[str],
    *,
    consensus: dict[str, Any] | None = None,
    failures: list[dict[str, Any]] | None = None,
) -> Batch:
    now = utcnow()
    batch = Batch(
        id=new_id("bat"),
        organization_id=ctx.organization_id,
        project_id=project.id,
        name=name,
        priority=priority,
        size=len(row_ids),
        consensus_settings=consensus,
        archived=False,
        failed_data_rows=failures or [],
        created_at=now,
        updated_at=now,
        created_by_id=ctx.principal.user_id,
    )
    session.add(batch)
    await session.flush()
    await insert_batch_rows(session, batch.id, project.id, row_ids)
    return batch


def _nothing_added(resolved: Resolved) -> ApiError:
    reasons = sorted({failure["reason"] for failure in resolved.failures})
    busy = any(reason.startswith("already in") for reason in reasons)
    message = f"None of the data rows can be added: {'; '.join(reasons[:5])}"
    return ApiError(ErrorCode.CONFLICT if busy else ErrorCode.NOT_FOUND, message)


def _conflict_on_race(project_id: str) -> ApiError:
    return ApiError(
        ErrorCode.CONFLICT,
        f"A concurrent request changed the batches of project {project_id!r}; retry",
    )


@query.field("batch")
async def resolve_batch(_: None, info: GraphQLResolveInfo, id: str) -> Batch:
    ctx = context(info)
    async with ctx.session() as session:
        return await find_in_organization(session, ctx, Batch, id)


@query.field("batches")
async def resolve_batches(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "bat")
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        statement = keyset(
            select(Batch).where(Batch.project_id == project_id), Batch.id, limit, after_id
        )
        batches = (await session.scalars(statement)).all()
    return make_connection(
        batches, limit, lambda: count_where(ctx, Batch, Batch.project_id == project_id)
    )


@mutation.field("createBatch")
async def resolve_create_batch(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    name: str,
    data_rows: Any = None,
    global_keys: Any = None,
    priority: int = 5,
    consensus_settings: dict[str, Any] | None = None,
) -> Batch:
    ctx = context(info)
    name = require_text(name, "name")
    _check_priority(priority)
    identifiers = parse_identifiers(data_rows, global_keys, MAX_BATCH_ROWS)
    try:
        async with ctx.transaction() as session:
            project = await find_in_organization(session, ctx, Project, project_id)
            _check_project(project)
            consensus = _consensus(project, consensus_settings)
            await _check_names_free(session, project.id, [name])
            resolved = await resolve(
                session, ctx.organization_id, identifiers, project_id=project.id
            )
            if not resolved.row_ids:
                raise _nothing_added(resolved)
            return await _add_batch(
                session,
                ctx,
                project,
                name,
                priority,
                resolved.row_ids,
                consensus=consensus,
                failures=resolved.failures,
            )
    except ApiError:
        raise
    except Exception as error:
        if is_unique_violation(error):
            raise _conflict_on_race(project_id) from error
        raise


async def _create_batches(
    ctx: Context,
    project_id: str,
    name_prefix: str,
    priority: int,
    identifiers: Identifiers | None,
    dataset_id: str | None = None,
) -> Task:
    """Splits the rows into batches of MAX_BATCH_ROWS in one transaction, with a Task."""
    name_prefix = require_text(name_prefix, "namePrefix", max_length=255 - _SUFFIX_DIGITS)
    _check_priority(priority)
    try:
        async with ctx.transaction() as session:
            project = await find_in_organization(session, ctx, Project, project_id)
            _check_project(project)
            if identifiers is not None:
                resolved = await resolve(
                    session, ctx.organization_id, identifiers, project_id=project.id
                )
                requested = len(identifiers.values)
            else:
                assert dataset_id is not None
                resolved = Resolved(
                    row_ids=await _rows_not_in_project(session, ctx, dataset_id, project.id)
                )
                requested = len(resolved.row_ids)
            names = [
                f"{name_prefix}{index:0{_SUFFIX_DIGITS}d}"
                for index in range(max(1, -(-requested // MAX_BATCH_ROWS)))
            ]
            await _check_names_free(session, project.id, names)
            batches = [
                await _add_batch(session, ctx, project, name, priority, part, failures=[])
                for name, part in zip(names, chunks(resolved.row_ids, MAX_BATCH_ROWS), strict=False)
            ]
            now = utcnow()
            task = Task(
                id=new_id("tsk"),
                organization_id=ctx.organization_id,
                name=f"createBatches {name_prefix}",
                status="COMPLETE" if batches else "FAILED",
                completion_percentage=100.0,
                result={
                    "batchIds": [batch.id for batch in batches],
                    "batchNames": [batch.name for batch in batches],
                    "createdCount": len(resolved.row_ids),
                    "failedCount": len(resolved.failures),
                },
                errors=[] if batches else ["No data rows could be added to the project"],
                failed_data_rows=resolved.failures,
                created_at=now,
                updated_at=now,
            )
            session.add(task)
        return task
    except ApiError:
        raise
    except Exception as error:
        if is_unique_violation(error):
            raise _conflict_on_race(project_id) from error
        raise


async def _rows_not_in_project(
    session: AsyncSession, ctx: Context, dataset_id: str, project_id: str
) -> list[str]:
    dataset = await session.scalar(
        select(Dataset.id).where(
            Dataset.id == dataset_id, Dataset.organization_id == ctx.organization_id
        )
    )
    if dataset is None:
        raise not_found("Dataset", dataset_id)
    in_project = exists().where(
        BatchRow.project_id == project_id,
        BatchRow.active.is_(True),
        BatchRow.data_row_id == DataRow.id,
    )
    return list(
        await session.scalars(
            select(DataRow.id)
            .where(DataRow.dataset_id == dataset_id, ~in_project)
            .order_by(DataRow.id)
        )
    )


@mutation.field("createBatches")
async def resolve_create_batches(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    name_prefix: str,
    data_rows: Any = None,
    global_keys: Any = None,
    priority: int = 5,
) -> Task:
    identifiers = parse_identifiers(data_rows, global_keys, MAX_ROWS_PER_CALL)
    return await _create_batches(context(info), project_id, name_prefix, priority, identifiers)


@mutation.field("createBatchesFromDataset")
async def resolve_create_batches_from_dataset(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    dataset_id: str,
    name_prefix: str,
    priority: int = 5,
) -> Task:
    return await _create_batches(
        context(info), project_id, name_prefix, priority, None, dataset_id=dataset_id
    )


@mutation.field("archiveBatch")
async def resolve_archive_batch(_: None, info: GraphQLResolveInfo, id: str) -> Batch:
    ctx = context(info)
    async with ctx.transaction() as session:
        batch = await find_in_organization(session, ctx, Batch, id)
        if not batch.archived:
            batch.archived = True
            batch.updated_at = utcnow()
            await session.execute(
                update(BatchRow).where(BatchRow.batch_id == batch.id).values(active=False)
            )
    return batch


def _labeled(batch: Batch) -> Any:
    return exists().where(
        Label.project_id == batch.project_id, Label.data_row_id == BatchRow.data_row_id
    )


@mutation.field("deleteBatch")
async def resolve_delete_batch(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        batch = await find_in_organization(session, ctx, Batch, id)
        labeled = await session.scalar(
            select(func.count()).where(BatchRow.batch_id == batch.id, _labeled(batch))
        )
        if labeled:
            raise ApiError(
                ErrorCode.CONFLICT,
                f"Batch {batch.id!r} has {labeled} labeled data rows; it can't be deleted",
            )
        await session.execute(delete(Batch).where(Batch.id == batch.id))
    return {"deleted_count": 1}


@mutation.field("removeQueuedDataRows")
async def resolve_remove_queued_data_rows(
    _: None, info: GraphQLResolveInfo, batch_id: str
) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        batch = await find_in_organization(session, ctx, Batch, batch_id)
        removed = list(
            await session.scalars(
                delete(BatchRow)
                .where(
                    BatchRow.batch_id == batch.id,
                    BatchRow.active.is_(True),
                    BatchRow.queue == INITIAL_LABELING,
                    ~_labeled(batch),
                )
                .returning(BatchRow.data_row_id)
                .execution_options(synchronize_session=False)
            )
        )
        if removed:
            batch.size -= len(removed)
            batch.updated_at = utcnow()
    return {"deleted_count": len(removed)}


bindables = [batch_type, batch_connection]
