"""Global keys: assignGlobalKeys, clearGlobalKeys, dataRowIdsForGlobalKeys, and the external
id lookup dataRowIdsForExternalIds. Per-item problems are reported, not raised."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import GraphQLResolveInfo
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ..errors import ApiError, ErrorCode, validation
from ..models import DataRow, utcnow
from ..workflow_rows import chunks
from .common import context, mutation, query

__all__ = ["MAX_EXTERNAL_IDS", "MAX_GLOBAL_KEYS", "bindables"]

MAX_GLOBAL_KEYS = 10_000
MAX_EXTERNAL_IDS = 1_500
MAX_KEY_LENGTH = 255
# Below every backend's bound-parameter limit.
_IN_CHUNK = 5_000

INVALID_KEY = "Invalid global key"
ROW_NOT_FOUND = "Data Row not found"
KEY_IN_USE = "Global key already in use by another data row"
KEY_NOT_FOUND = "Failed to find data row matching provided global key"


def _status(succeeded: int, failed: int) -> str:
    if not failed:
        return "SUCCESS"
    return "PARTIAL_SUCCESS" if succeeded else "FAILURE"


def _check_count(values: Sequence[Any], limit: int, what: str) -> None:
    if len(values) > limit:
        raise validation(f"At most {limit} {what} per call, got {len(values)}")


def _key_error(key: str) -> dict[str, Any]:
    return {"data_row_id": None, "global_key": key, "error": KEY_NOT_FOUND}


async def _lock_for_write(session: AsyncSession) -> None:
    """On SQLite, takes the write lock before reading: a read snapshot that another writer
    overtakes cannot be upgraded to a write and fails at once instead of waiting."""
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(text("UPDATE organizations SET name = name WHERE 0"))


async def _keys_owned(
    session: AsyncSession, organization_id: str, keys: Sequence[str]
) -> dict[str, str]:
    owners: dict[str, str] = {}
    for part in chunks(keys, _IN_CHUNK):
        rows = await session.execute(
            select(DataRow.global_key, DataRow.id).where(
                DataRow.organization_id == organization_id, DataRow.global_key.in_(part)
            )
        )
        owners.update({key: row_id for key, row_id in rows if key is not None})
    return owners


async def _assign(
    session: AsyncSession, organization_id: str, wanted: list[tuple[str, str, str | None, bool]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    await _lock_for_write(session)
    row_ids = list({row_id for row_id, _, key, _ in wanted if key is not None})
    current: dict[str, str | None] = {}
    for part in chunks(row_ids, _IN_CHUNK):
        rows = await session.execute(
            select(DataRow.id, DataRow.global_key).where(
                DataRow.organization_id == organization_id, DataRow.id.in_(part)
            )
        )
        current.update({row_id: key for row_id, key in rows})
    keys = list({key for _, _, key, _ in wanted if key is not None})
    owner = await _keys_owned(session, organization_id, keys)
    owner.update({key: row_id for row_id, key in current.items() if key is not None})

    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    now = utcnow()
    # In input order, as the updates run: a key freed earlier in the request may be reused.
    for row_id, given, key, sanitized in wanted:
        error: str | None = None
        if key is None:
            error = INVALID_KEY
        elif row_id not in current:
            error = ROW_NOT_FOUND
        elif owner.get(key, row_id) != row_id:
            error = KEY_IN_USE
        if error is not None:
            errors.append({"data_row_id": row_id, "global_key": given, "error": error})
            continue
        assert key is not None
        old = current[row_id]
        if old != key:
            if old is not None:
                owner.pop(old, None)
            current[row_id] = key
            owner[key] = row_id
            changes.append({"id": row_id, "global_key": key, "updated_at": now})
        results.append({"data_row_id": row_id, "global_key": key, "sanitized": sanitized})
    if changes:
        # ORM bulk UPDATE by primary key: one executemany, in input order.
        await session.execute(update(DataRow), changes)
    return results, errors


@mutation.field("assignGlobalKeys")
async def resolve_assign_global_keys(
    _: None, info: GraphQLResolveInfo, assignments: list[dict[str, Any]]
) -> dict[str, Any]:
    ctx = context(info)
    _check_count(assignments, MAX_GLOBAL_KEYS, "assignments")
    wanted: list[tuple[str, str, str | None, bool]] = []
    for assignment in assignments:
        given = assignment["global_key"]
        key = given.strip()
        valid = 0 < len(key) <= MAX_KEY_LENGTH
        wanted.append((assignment["data_row_id"], given, key if valid else None, key != given))
    for attempt in (1, 2):
        try:
            async with ctx.transaction() as session:
                results, errors = await _assign(session, ctx.organization_id, wanted)
            break
        except IntegrityError:
            # A concurrent request took one of the keys after we read them: read them again.
            if attempt == 2:
                raise ApiError(ErrorCode.CONFLICT, KEY_IN_USE) from None
    return {"status": _status(len(results), len(errors)), "results": results, "errors": errors}


@mutation.field("clearGlobalKeys")
async def resolve_clear_global_keys(
    _: None, info: GraphQLResolveInfo, global_keys: list[str]
) -> dict[str, Any]:
    ctx = context(info)
    _check_count(global_keys, MAX_GLOBAL_KEYS, "global keys")
    keys = list(dict.fromkeys(global_keys))
    cleared: set[str] = set()
    if keys:
        now = utcnow()
        async with ctx.transaction() as session:
            await _lock_for_write(session)
            cleared = set(await _keys_owned(session, ctx.organization_id, keys))
            found = [key for key in keys if key in cleared]
            for part in chunks(found, _IN_CHUNK):
                await session.execute(
                    update(DataRow)
                    .where(
                        DataRow.organization_id == ctx.organization_id,
                        DataRow.global_key.in_(part),
                    )
                    .values(global_key=None, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
    results = [key for key in keys if key in cleared]
    errors = [_key_error(key) for key in keys if key not in cleared]
    return {"status": _status(len(results), len(errors)), "results": results, "errors": errors}


@query.field("dataRowIdsForGlobalKeys")
async def resolve_data_row_ids_for_global_keys(
    _: None, info: GraphQLResolveInfo, global_keys: list[str]
) -> dict[str, Any]:
    ctx = context(info)
    _check_count(global_keys, MAX_GLOBAL_KEYS, "global keys")
    wanted = list(dict.fromkeys(global_keys))
    async with ctx.session() as session:
        owners = await _keys_owned(session, ctx.organization_id, wanted)
    results = [owners.get(key, "") for key in global_keys]
    errors = [_key_error(key) for key in global_keys if key not in owners]
    return {
        "status": _status(len(global_keys) - len(errors), len(errors)),
        "results": results,
        "errors": errors,
    }


@query.field("dataRowIdsForExternalIds")
async def resolve_data_row_ids_for_external_ids(
    _: None, info: GraphQLResolveInfo, external_ids: list[str]
) -> list[dict[str, Any]]:
    ctx = context(info)
    _check_count(external_ids, MAX_EXTERNAL_IDS, "external ids")
    wanted = list(dict.fromkeys(external_ids))
    matches: dict[str, list[str]] = {}
    if wanted:
        async with ctx.session() as session:
            rows = await session.execute(
                select(DataRow.external_id, DataRow.id)
                .where(
                    DataRow.organization_id == ctx.organization_id,
                    DataRow.external_id.in_(wanted),
                )
                .order_by(DataRow.id)
            )
            for external_id, row_id in rows:
                if external_id is not None:
                    matches.setdefault(external_id, []).append(row_id)
    return [
        {"external_id": external_id, "data_row_ids": matches[external_id]}
        for external_id in wanted
        if external_id in matches
    ]


bindables: list[Any] = []
