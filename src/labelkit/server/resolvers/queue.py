"""The labeling queue of a project: overrides, task queues, moves, the queue order, counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import Context
from ..errors import not_found, validation
from ..ids import ID_PATTERN
from ..models import Batch, BatchRow, DataRow, Label, LabelingOverride, Project, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    make_connection,
    resolve_total_count,
)
from ..workflow_rows import (
    INITIAL_LABELING,
    Identifiers,
    active_rows,
    chunks,
    labeled_rows,
    parse_identifiers,
    resolve,
    short_list,
)
from .common import context, find_in_organization, mutation, query

__all__ = ["MAX_MOVE_ROWS", "MAX_OVERRIDES", "bindables", "task_queue_id"]

MAX_OVERRIDES = 1000
MAX_MOVE_ROWS = 100_000
DONE = "DONE"

# Task queue ids are derived from the project id: one per workflow step, nothing stored.
_QUEUES = {
    "tqi": ("INITIAL_LABELING", "Initial labeling"),
    "tqr": ("MANUAL_REVIEW", "Review"),
    "tqw": ("MANUAL_REWORK", "Rework"),
    "tqd": ("DONE", "Done"),
}
_PREFIX_OF = {queue_type: prefix for prefix, (queue_type, _) in _QUEUES.items()}

project_type = ObjectType("Project")
override_connection = ObjectType("LabelingParameterOverrideConnection")
override_connection.set_field("totalCount", resolve_total_count)


@dataclass(slots=True)
class OverrideView:
    id: str  # the data row id: the connection's cursor
    global_key: str | None
    priority: int
    created_at: datetime

    @property
    def data_row_id(self) -> str:
        return self.id


def task_queue_id(project_id: str, queue_type: str) -> str:
    return f"{_PREFIX_OF[queue_type]}_{project_id.partition('_')[2]}"


def _queue_type(project_id: str, queue_id: str | None) -> str:
    """The step a task queue id of this project names; None is DONE."""
    if queue_id is None:
        return DONE
    prefix, _, body = queue_id.partition("_")
    if (
        prefix not in _QUEUES
        or not ID_PATTERN.fullmatch(queue_id)
        or body != project_id.partition("_")[2]
    ):
        raise not_found("TaskQueue", queue_id)
    return _QUEUES[prefix][0]


async def _rows_in_project(
    session: AsyncSession, ctx: Context, project_id: str, identifiers: Identifiers
) -> tuple[list[str], dict[str, str | None], dict[str, tuple[str, str]]]:
    """Row ids, their global keys and their (batch, queue): every row must be found and in an
    active batch of the project, else the whole request fails."""
    resolved = await resolve(session, ctx.organization_id, identifiers)
    if resolved.failures:
        shown = short_list([str(f["globalKey"] or f["dataRowId"]) for f in resolved.failures])
        reasons = sorted({str(f["reason"]) for f in resolved.failures})
        raise validation(f"{'; '.join(reasons)}: {shown}")
    active = await active_rows(session, project_id, resolved.row_ids)
    outside = [row_id for row_id in resolved.row_ids if row_id not in active]
    if outside:
        raise validation(
            f"Data rows must be in an active batch of project {project_id!r}: "
            f"{short_list([resolved.keys.get(r) or r for r in outside])}"
        )
    return resolved.row_ids, resolved.keys, active


def _identifiers(data_row_ids: list[str] | None, global_keys: list[str] | None) -> Identifiers:
    return parse_identifiers(
        data_row_ids, global_keys, MAX_OVERRIDES, names=("dataRowIds", "globalKeys")
    )


async def _set_priorities(
    session: AsyncSession, project_id: str, priorities: dict[str, int]
) -> None:
    row_ids = list(priorities)
    for part in chunks(row_ids):
        await session.execute(
            delete(LabelingOverride).where(
                LabelingOverride.project_id == project_id, LabelingOverride.data_row_id.in_(part)
            )
        )
    now = utcnow()
    await session.execute(
        insert(LabelingOverride),
        [
            {
                "project_id": project_id,
                "data_row_id": row_id,
                "priority": priority,
                "created_at": now,
            }
            for row_id, priority in priorities.items()
        ],
    )


@mutation.field("setLabelingParameterOverrides")
async def resolve_set_overrides(
    _: None, info: GraphQLResolveInfo, project_id: str, overrides: list[dict[str, Any]]
) -> int:
    ctx = context(info)
    if len(overrides) > MAX_OVERRIDES:
        raise validation(f"At most {MAX_OVERRIDES} overrides per call, got {len(overrides)}")
    if not overrides:
        return 0
    by_key = [o.get("global_key") is not None for o in overrides]
    for index, override in enumerate(overrides):
        if (override.get("data_row_id") is None) == (override.get("global_key") is None):
            raise validation(f"overrides[{index}]: give exactly one of dataRowId and globalKey")
    if any(by_key) and not all(by_key):
        raise validation("overrides: use data row ids or global keys, not both")
    values = [
        o["global_key"] if o.get("global_key") is not None else o["data_row_id"] for o in overrides
    ]
    identifiers = Identifiers("globalKeys" if by_key[0] else "dataRows", values)
    async with ctx.transaction() as session:
        await find_in_organization(session, ctx, Project, project_id)
        row_ids, _keys, _active = await _rows_in_project(session, ctx, project_id, identifiers)
        await _set_priorities(
            session,
            project_id,
            {row_id: o["priority"] for row_id, o in zip(row_ids, overrides, strict=True)},
        )
    return len(row_ids)


@mutation.field("updateLabelingPriority")
async def resolve_update_priority(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    priority: int,
    data_row_ids: list[str] | None = None,
    global_keys: list[str] | None = None,
) -> int:
    ctx = context(info)
    identifiers = _identifiers(data_row_ids, global_keys)
    async with ctx.transaction() as session:
        await find_in_organization(session, ctx, Project, project_id)
        row_ids, _keys, _active = await _rows_in_project(session, ctx, project_id, identifiers)
        await _set_priorities(session, project_id, dict.fromkeys(row_ids, priority))
    return len(row_ids)


@mutation.field("unsetLabelingParameterOverrides")
async def resolve_unset_overrides(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    data_row_ids: list[str] | None = None,
    global_keys: list[str] | None = None,
) -> int:
    ctx = context(info)
    identifiers = _identifiers(data_row_ids, global_keys)
    async with ctx.transaction() as session:
        await find_in_organization(session, ctx, Project, project_id)
        resolved = await resolve(session, ctx.organization_id, identifiers)
        removed = 0
        for part in chunks(resolved.row_ids):
            removed += len(
                list(
                    await session.scalars(
                        delete(LabelingOverride)
                        .where(
                            LabelingOverride.project_id == project_id,
                            LabelingOverride.data_row_id.in_(part),
                        )
                        .returning(LabelingOverride.data_row_id)
                    )
                )
            )
    return removed


@query.field("labelingParameterOverrides")
async def resolve_overrides(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "dr")
    in_project = LabelingOverride.project_id == project_id
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        statement = (
            select(
                LabelingOverride.data_row_id,
                DataRow.global_key,
                LabelingOverride.priority,
                LabelingOverride.created_at,
            )
            .join(DataRow, DataRow.id == LabelingOverride.data_row_id)
            .where(in_project)
            .order_by(LabelingOverride.data_row_id)
            .limit(limit + 1)
        )
        if after_id is not None:
            statement = statement.where(LabelingOverride.data_row_id > after_id)
        nodes = [OverrideView(*row) for row in await session.execute(statement)]

    async def count() -> int:
        async with ctx.session() as session:
            return int(await session.scalar(select(func.count()).where(in_project)) or 0)

    return make_connection(nodes, limit, count)


@query.field("taskQueues")
async def resolve_task_queues(
    _: None, info: GraphQLResolveInfo, project_id: str
) -> list[dict[str, Any]]:
    ctx = context(info)
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        rows = await session.execute(
            select(BatchRow.queue, func.count())
            .where(BatchRow.project_id == project_id, BatchRow.active.is_(True))
            .group_by(BatchRow.queue)
        )
        counts: dict[str, int] = {queue: count for queue, count in rows}
    return [
        {
            "id": task_queue_id(project_id, queue_type),
            "name": name,
            "queue_type": queue_type,
            "data_row_count": counts.get(queue_type, 0),
        }
        for queue_type, name in _QUEUES.values()
    ]


@mutation.field("moveDataRowsToTaskQueue")
async def resolve_move_to_task_queue(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    data_row_ids: Any = None,
    global_keys: Any = None,
    task_queue_id: str | None = None,
) -> int:
    ctx = context(info)
    identifiers = parse_identifiers(
        data_row_ids, global_keys, MAX_MOVE_ROWS, names=("dataRowIds", "globalKeys")
    )
    async with ctx.transaction() as session:
        await find_in_organization(session, ctx, Project, project_id)
        target = _queue_type(project_id, task_queue_id)
        row_ids, keys, active = await _rows_in_project(session, ctx, project_id, identifiers)
        leaving = [
            r for r in row_ids if active[r][1] == INITIAL_LABELING and target != INITIAL_LABELING
        ]
        labeled = await labeled_rows(session, project_id, leaving)
        unlabeled = [r for r in leaving if r not in labeled]
        if unlabeled:
            raise validation(
                "Data rows need a label before they leave INITIAL_LABELING: "
                f"{short_list([keys.get(r) or r for r in unlabeled])}"
            )
        await _move(session, project_id, row_ids, target)
    return len(row_ids)


async def _move(
    session: AsyncSession, project_id: str, row_ids: Sequence[str], target: str
) -> None:
    for part in chunks(row_ids):
        await session.execute(
            update(BatchRow)
            .where(
                BatchRow.project_id == project_id,
                BatchRow.active.is_(True),
                BatchRow.data_row_id.in_(part),
            )
            .values(queue=target)
            .execution_options(synchronize_session=False)
        )


@query.field("labelingQueue")
async def resolve_labeling_queue(
    _: None, info: GraphQLResolveInfo, project_id: str, first: int | None = None
) -> list[dict[str, Any]]:
    ctx = context(info)
    limit = check_first(first)
    override = LabelingOverride
    statement = (
        select(
            BatchRow.data_row_id,
            DataRow.global_key,
            Batch.id,
            Batch.priority,
            override.priority,
        )
        .join(Batch, Batch.id == BatchRow.batch_id)
        .join(DataRow, DataRow.id == BatchRow.data_row_id)
        .outerjoin(
            override,
            and_(
                override.project_id == BatchRow.project_id,
                override.data_row_id == BatchRow.data_row_id,
            ),
        )
        .where(
            BatchRow.project_id == project_id,
            BatchRow.queue == INITIAL_LABELING,
            BatchRow.active.is_(True),
            ~exists().where(
                Label.project_id == project_id, Label.data_row_id == BatchRow.data_row_id
            ),
        )
        # Overridden rows first, lowest override first; then batch priority, batch age, row id.
        .order_by(
            override.priority.is_(None),
            override.priority,
            Batch.priority,
            Batch.id,
            BatchRow.data_row_id,
        )
        .limit(limit)
    )
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        rows = await session.execute(statement)
        return [
            {
                "data_row_id": row_id,
                "global_key": key,
                "batch_id": batch_id,
                "batch_priority": batch_priority,
                "override_priority": override_priority,
            }
            for row_id, key, batch_id, batch_priority, override_priority in rows
        ]


@project_type.field("labelCount")
async def resolve_label_count(project: Project, info: GraphQLResolveInfo) -> int:
    async with context(info).session() as session:
        count = await session.scalar(select(func.count()).where(Label.project_id == project.id))
    return int(count or 0)


bindables = [project_type, override_connection]
