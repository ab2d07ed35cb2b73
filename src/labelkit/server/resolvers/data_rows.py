"""Data rows: dataRow, dataRowByGlobalKey, dataRows, createDataRows, updateDataRow,
deleteDataRows, and the DataRow field resolvers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, CursorResult, Select, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from ..context import Context
from ..errors import ApiError, ErrorCode, not_found, validation
from ..fast_execution import FieldAttr
from ..ids import new_ids
from ..metadata import MetadataRules
from ..models import Attachment, DataRow, Dataset, utcnow
from ..pagination import Connection, check_first, decode_cursor, keyset, make_connection
from .common import context, mutation, query, require_text

__all__ = ["MAX_ATTACHMENTS_PER_ROW", "MAX_ROWS_PER_CALL", "bindables"]

MAX_ROWS_PER_CALL = 1000
MAX_ATTACHMENTS_PER_ROW = 5
MAX_KEY_LENGTH = 255
_MAX_KEYS_IN_MESSAGE = 10

data_row_type = ObjectType("DataRow")


@dataclass(slots=True)
class DataRowView:
    """A data row as plain data: as `createDataRows` wrote it (not read back), or as a
    page of `dataRows` read it (no ORM objects)."""

    id: str
    dataset_id: str
    row_data: str
    global_key: str | None
    external_id: str | None
    media_type: str | None
    meta: Any
    attachments: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


def _select_rows(*conditions: ColumnElement[bool]) -> Select[DataRow]:
    return select(DataRow).options(selectinload(DataRow.attachments)).where(*conditions)


def _key_list(keys: Sequence[str]) -> str:
    shown = ", ".join(repr(key) for key in keys[:_MAX_KEYS_IN_MESSAGE])
    more = len(keys) - _MAX_KEYS_IN_MESSAGE
    return f"{shown} and {more} more" if more > 0 else shown


def _global_key_conflict(keys: Sequence[str]) -> ApiError:
    return ApiError(
        ErrorCode.CONFLICT, f"Global keys already in use in this organization: {_key_list(keys)}"
    )


async def _taken_global_keys(
    session: AsyncSession, ctx: Context, keys: Sequence[str], *, except_id: str | None = None
) -> list[str]:
    statement = select(DataRow.global_key).where(
        DataRow.organization_id == ctx.organization_id, DataRow.global_key.in_(keys)
    )
    if except_id is not None:
        statement = statement.where(DataRow.id != except_id)
    return sorted(key for key in (await session.scalars(statement)).all() if key is not None)


# `metadata` is reserved on SQLAlchemy models, so the attribute is `meta`.
data_row_type.set_field("metadata", FieldAttr("meta"))


@data_row_type.field("dataset")
async def resolve_row_dataset(row: DataRow | DataRowView, info: GraphQLResolveInfo) -> Dataset:
    dataset = await context(info).dataset(row.dataset_id)
    if dataset is None:
        raise not_found("Dataset", row.dataset_id)
    return dataset


@query.field("dataRow")
async def resolve_data_row(_: None, info: GraphQLResolveInfo, id: str) -> DataRow:
    ctx = context(info)
    async with ctx.session() as session:
        row = await session.scalar(
            _select_rows(DataRow.id == id, DataRow.organization_id == ctx.organization_id)
        )
    if row is None:
        raise not_found("DataRow", id)
    return row


@query.field("dataRowByGlobalKey")
async def resolve_data_row_by_global_key(
    _: None, info: GraphQLResolveInfo, global_key: str
) -> DataRow:
    ctx = context(info)
    async with ctx.session() as session:
        row = await session.scalar(
            _select_rows(
                DataRow.global_key == global_key, DataRow.organization_id == ctx.organization_id
            )
        )
    if row is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"No data row with global key {global_key!r}")
    return row


@query.field("dataRows")
async def resolve_data_rows(
    _: None,
    info: GraphQLResolveInfo,
    dataset_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "dr")
    async with ctx.session() as session:
        row_count = await session.scalar(
            select(Dataset.row_count).where(
                Dataset.id == dataset_id, Dataset.organization_id == ctx.organization_id
            )
        )
        if row_count is None:
            raise not_found("Dataset", dataset_id)
        rows = await _page_of_rows(session, dataset_id, limit, after_id)

    async def total_count() -> int:
        return row_count  # the stored count, exact by construction

    return make_connection(rows, limit, total_count)


_ROW_COLUMNS = (
    DataRow.id,
    DataRow.dataset_id,
    DataRow.row_data,
    DataRow.global_key,
    DataRow.external_id,
    DataRow.media_type,
    DataRow.meta,
    DataRow.created_at,
    DataRow.updated_at,
)


async def _page_of_rows(
    session: AsyncSession, dataset_id: str, limit: int, after_id: str | None
) -> list[DataRowView]:
    """One page of a dataset's rows as plain rows, not ORM objects: building ORM instances
    took about 40 % of the server time of a page. The attachments of the page come in one
    more query, over the page's id range."""
    statement = keyset(
        select(*_ROW_COLUMNS).where(DataRow.dataset_id == dataset_id), DataRow.id, limit, after_id
    )
    rows = (await session.execute(statement)).all()
    attachments: dict[str, list[dict[str, Any]]] = {}
    if rows:
        found = await session.execute(
            select(Attachment.data_row_id, Attachment.type, Attachment.value, Attachment.name)
            .join(DataRow, DataRow.id == Attachment.data_row_id)
            .where(
                DataRow.dataset_id == dataset_id,
                Attachment.data_row_id >= rows[0].id,
                Attachment.data_row_id <= rows[-1].id,
            )
            .order_by(Attachment.data_row_id, Attachment.position)
        )
        for row_id, kind, value, name in found:
            attachments.setdefault(row_id, []).append({"type": kind, "value": value, "name": name})
    return [
        DataRowView(
            id=row.id,
            dataset_id=row.dataset_id,
            row_data=row.row_data,
            global_key=row.global_key,
            external_id=row.external_id,
            media_type=row.media_type,
            meta=row.meta,
            attachments=attachments.get(row.id, []),
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _check_rows(rows: list[dict[str, Any]], rules: MetadataRules) -> list[str]:
    """Validates the input rows and returns their global keys."""
    keys: list[str] = []
    for index, row in enumerate(rows):
        require_text(row.get("row_data"), f"rows[{index}].rowData", max_length=None)
        metadata = row.get("metadata")
        if metadata is not None and (reason := rules.problem(metadata)) is not None:
            raise validation(f"rows[{index}].metadata: {reason}")
        attachments = row.get("attachments") or []
        if len(attachments) > MAX_ATTACHMENTS_PER_ROW:
            raise validation(
                f"rows[{index}] has {len(attachments)} attachments; "
                f"at most {MAX_ATTACHMENTS_PER_ROW} are allowed"
            )
        for position, attachment in enumerate(attachments):
            require_text(
                attachment.get("value"),
                f"rows[{index}].attachments[{position}].value",
                max_length=None,
            )
        key = row.get("global_key")
        if key is not None:
            keys.append(require_text(key, f"rows[{index}].globalKey", max_length=MAX_KEY_LENGTH))
    repeated = sorted(key for key, count in Counter(keys).items() if count > 1)
    if repeated:
        raise ApiError(
            ErrorCode.CONFLICT, f"Global keys repeated within the request: {_key_list(repeated)}"
        )
    return keys


@mutation.field("createDataRows")
async def resolve_create_data_rows(
    _: None, info: GraphQLResolveInfo, dataset_id: str, rows: list[dict[str, Any]]
) -> dict[str, Any]:
    ctx = context(info)
    if len(rows) > MAX_ROWS_PER_CALL:
        raise validation(f"At most {MAX_ROWS_PER_CALL} rows per call, got {len(rows)}")
    rules = await ctx.metadata_rules(row.get("metadata") for row in rows)
    keys = _check_rows(rows, rules)
    now = utcnow()
    created = [
        DataRowView(
            id=row_id,
            dataset_id=dataset_id,
            row_data=row["row_data"],
            global_key=row.get("global_key"),
            external_id=row.get("external_id"),
            media_type=row.get("media_type"),
            meta=row["metadata"] if row.get("metadata") is not None else {},
            attachments=[
                {"type": a["type"], "value": a["value"], "name": a.get("name")}
                for a in row.get("attachments") or []
            ],
            created_at=now,
            updated_at=now,
        )
        for row_id, row in zip(new_ids("dr", len(rows)), rows, strict=True)
    ]
    row_values = [
        {
            "id": row.id,
            "organization_id": ctx.organization_id,
            "dataset_id": dataset_id,
            "row_data": row.row_data,
            "global_key": row.global_key,
            "external_id": row.external_id,
            "media_type": row.media_type,
            "meta": row.meta,
            "created_at": now,
            "updated_at": now,
        }
        for row in created
    ]
    attachment_values = [
        {"data_row_id": row.id, "position": position, **attachment}
        for row in created
        for position, attachment in enumerate(row.attachments)
    ]
    try:
        async with ctx.transaction() as session:
            # First, so the count and the existence check are one statement (and, on
            # SQLite, the write lock is taken before the key check reads).
            result = cast(
                CursorResult[Any],
                await session.execute(
                    update(Dataset)
                    .where(Dataset.id == dataset_id, Dataset.organization_id == ctx.organization_id)
                    .values(row_count=Dataset.row_count + len(created))
                    .execution_options(synchronize_session=False)
                ),
            )
            if result.rowcount == 0:
                raise not_found("Dataset", dataset_id)
            if keys:
                taken = await _taken_global_keys(session, ctx, keys)
                if taken:
                    raise _global_key_conflict(taken)
            if row_values:
                await session.execute(insert(DataRow), row_values)
            if attachment_values:
                await session.execute(insert(Attachment), attachment_values)
    except IntegrityError:
        # A concurrent request took one of the keys between our check and our insert.
        async with ctx.session() as session:
            taken = await _taken_global_keys(session, ctx, keys) if keys else []
        if not taken:
            raise
        raise _global_key_conflict(taken) from None
    return {"created_count": len(created), "data_rows": created}


@mutation.field("updateDataRow")
async def resolve_update_data_row(
    _: None, info: GraphQLResolveInfo, id: str, input: dict[str, Any]
) -> DataRow:
    ctx = context(info)
    changes: dict[str, Any] = {}
    if "row_data" in input:
        changes["row_data"] = require_text(input["row_data"], "rowData", max_length=None)
    if "global_key" in input:
        key = input["global_key"]
        changes["global_key"] = (
            None if key is None else require_text(key, "globalKey", max_length=MAX_KEY_LENGTH)
        )
    if "external_id" in input:
        changes["external_id"] = input["external_id"]
    if "metadata" in input:
        metadata = input["metadata"] if input["metadata"] is not None else {}
        reason = (await ctx.metadata_rules([metadata])).problem(metadata)
        if reason is not None:
            raise validation(f"metadata: {reason}")
        changes["meta"] = metadata
    try:
        async with ctx.transaction() as session:
            row = await session.scalar(
                _select_rows(DataRow.id == id, DataRow.organization_id == ctx.organization_id)
            )
            if row is None:
                raise not_found("DataRow", id)
            new_key = changes.get("global_key")
            if (
                new_key is not None
                and new_key != row.global_key
                and await _taken_global_keys(session, ctx, [new_key], except_id=id)
            ):
                raise _global_key_conflict([new_key])
            if changes:
                for attribute, value in changes.items():
                    setattr(row, attribute, value)
                row.updated_at = utcnow()
    except IntegrityError:
        raise _global_key_conflict([changes.get("global_key") or ""]) from None
    return row


@mutation.field("deleteDataRows")
async def resolve_delete_data_rows(
    _: None, info: GraphQLResolveInfo, ids: list[str]
) -> dict[str, int]:
    ctx = context(info)
    if len(ids) > MAX_ROWS_PER_CALL:
        raise validation(f"At most {MAX_ROWS_PER_CALL} ids per call, got {len(ids)}")
    if not ids:
        return {"deleted_count": 0}
    async with ctx.transaction() as session:
        # RETURNING reports only the rows this statement deleted, so concurrent deletes of the
        # same ids never decrement a dataset's count twice.
        deleted = Counter(
            (
                await session.execute(
                    delete(DataRow)
                    .where(DataRow.organization_id == ctx.organization_id, DataRow.id.in_(set(ids)))
                    .returning(DataRow.dataset_id)
                    .execution_options(synchronize_session=False)
                )
            ).scalars()
        )
        for dataset_id, count in deleted.items():
            await session.execute(
                update(Dataset)
                .where(Dataset.id == dataset_id)
                .values(row_count=Dataset.row_count - count)
                .execution_options(synchronize_session=False)
            )
    return {"deleted_count": sum(deleted.values())}


bindables = [data_row_type]
