"""Data rows named by id or global key inside a project's workflow: lookups and batch inserts.

Lists of up to a million identifiers arrive as one JSON array, so lookups run in chunks (the
drivers cap bound parameters) and batch rows go in with one driver call per batch: COPY on
PostgreSQL, `executemany` on SQLite, without SQLAlchemy's per-row parameter processing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import ColumnElement, String, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .errors import ApiError, ErrorCode, validation
from .models import BatchRow, DataRow, Label

__all__ = [
    "INITIAL_LABELING",
    "Identifiers",
    "Resolved",
    "active_rows",
    "chunks",
    "insert_batch_rows",
    "is_unique_violation",
    "labeled_rows",
    "parse_identifiers",
    "resolve",
    "short_list",
]

INITIAL_LABELING = "INITIAL_LABELING"
LOOKUP_CHUNK = 30_000
_SHOWN = 10

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Identifiers:
    kind: Literal["dataRows", "globalKeys"]
    values: list[str]


@dataclass(slots=True)
class Resolved:
    """Row ids in input order (first use of each), and the inputs that named no usable row."""

    row_ids: list[str] = field(default_factory=list)
    keys: dict[str, str | None] = field(default_factory=dict)  # row id -> global key
    failures: list[dict[str, Any]] = field(default_factory=list)


def chunks(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _dialect(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


def _in(column: Any, values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL one array parameter (`= ANY($1)`), which plans far
    faster than tens of thousands of parameters."""
    if dialect == "postgresql":
        return cast(
            ColumnElement[bool], column == any_(bindparam(None, list(values), type_=ARRAY(String)))
        )
    return cast(ColumnElement[bool], column.in_(values))


def _parts(values: Sequence[str], dialect: str) -> Iterator[Sequence[str]]:
    # SQLite caps bound parameters per statement; an array is one parameter.
    return iter([values]) if dialect == "postgresql" else chunks(values)


def short_list(values: Sequence[str]) -> str:
    shown = ", ".join(repr(value) for value in values[:_SHOWN])
    return f"{shown} and {len(values) - _SHOWN} more" if len(values) > _SHOWN else shown


def parse_identifiers(
    data_rows: Any,
    global_keys: Any,
    limit: int,
    *,
    names: tuple[str, str] = ("dataRows", "globalKeys"),
) -> Identifiers:
    """Exactly one of the two JSON arrays of strings, with at most `limit` entries."""
    if (data_rows is None) == (global_keys is None):
        raise validation(f"Give exactly one of {names[0]} and {names[1]}")
    kind: Literal["dataRows", "globalKeys"] = "dataRows" if data_rows is not None else "globalKeys"
    name = names[0] if kind == "dataRows" else names[1]
    values = data_rows if data_rows is not None else global_keys
    if not isinstance(values, list) or not all(type(v) is str and v for v in values):
        raise validation(f"{name} must be a list of non-empty strings")
    if not values:
        raise validation(f"{name} must not be empty")
    if len(values) > limit:
        raise validation(f"{name}: at most {limit:,} per call, got {len(values):,}")
    return Identifiers(kind, values)


async def _rows_by(
    session: AsyncSession, organization_id: str, column: Any, values: Sequence[str]
) -> dict[str, tuple[str, str | None]]:
    """value -> (row id, global key) for the values that name a row of the organization."""
    found: dict[str, tuple[str, str | None]] = {}
    dialect = await _dialect(session)
    for part in _parts(values, dialect):
        rows = await session.execute(
            select(column, DataRow.id, DataRow.global_key).where(
                DataRow.organization_id == organization_id, _in(column, part, dialect)
            )
        )
        for value, row_id, key in rows:
            found[value] = (row_id, key)
    return found


async def active_rows(
    session: AsyncSession, project_id: str, row_ids: Sequence[str]
) -> dict[str, tuple[str, str]]:
    """row id -> (batch id, queue) for the rows in an active batch of the project."""
    found: dict[str, tuple[str, str]] = {}
    dialect = await _dialect(session)
    for part in _parts(row_ids, dialect):
        rows = await session.execute(
            select(BatchRow.data_row_id, BatchRow.batch_id, BatchRow.queue).where(
                BatchRow.project_id == project_id,
                BatchRow.active.is_(True),
                _in(BatchRow.data_row_id, part, dialect),
            )
        )
        for row_id, batch_id, queue in rows:
            found[row_id] = (batch_id, queue)
    return found


async def labeled_rows(session: AsyncSession, project_id: str, row_ids: Sequence[str]) -> set[str]:
    """The rows that have at least one label in the project."""
    labeled: set[str] = set()
    dialect = await _dialect(session)
    for part in _parts(row_ids, dialect):
        labeled.update(
            await session.scalars(
                select(Label.data_row_id)
                .where(Label.project_id == project_id, _in(Label.data_row_id, part, dialect))
                .distinct()
            )
        )
    return labeled


async def resolve(
    session: AsyncSession,
    organization_id: str,
    identifiers: Identifiers,
    *,
    project_id: str | None = None,
) -> Resolved:
    """The rows the identifiers name. Repeats, unknown ids or keys and, when `project_id` is
    given, rows already in an active batch of that project become failures."""
    by_key = identifiers.kind == "globalKeys"
    column = DataRow.global_key if by_key else DataRow.id
    unique = list(dict.fromkeys(identifiers.values))
    found = await _rows_by(session, organization_id, column, unique)
    busy = (
        await active_rows(session, project_id, [row_id for row_id, _ in found.values()])
        if project_id is not None
        else {}
    )
    resolved = Resolved()
    seen: set[str] = set()
    for index, value in enumerate(identifiers.values):
        match = found.get(value)
        reason = None
        if value in seen:
            reason = "repeated in this request"
        elif match is None:
            reason = "no data row with this global key" if by_key else "data row not found"
        elif match[0] in busy:
            reason = f"already in active batch {busy[match[0]][0]} of this project"
        seen.add(value)
        if reason is not None:
            resolved.failures.append(
                {
                    "index": index,
                    "dataRowId": match[0] if match else (None if by_key else value),
                    "globalKey": value if by_key else (match[1] if match else None),
                    "reason": reason,
                }
            )
            continue
        assert match is not None
        resolved.row_ids.append(match[0])
        resolved.keys[match[0]] = match[1]
    return resolved


def is_unique_violation(error: BaseException) -> bool:
    if isinstance(error, IntegrityError | sqlite3.IntegrityError):
        return True
    # asyncpg's UniqueViolationError, without importing the driver.
    return getattr(error, "sqlstate", None) == "23505"


_COLUMNS = ("batch_id", "data_row_id", "project_id", "active", "queue")


async def insert_batch_rows(
    session: AsyncSession, batch_id: str, project_id: str, row_ids: Sequence[str]
) -> None:
    """Adds the rows to the batch, queued for labeling, in one driver call."""
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    records = [(batch_id, row_id, project_id, True, INITIAL_LABELING) for row_id in row_ids]
    try:
        if connection.dialect.name == "postgresql":
            await driver.copy_records_to_table("batch_rows", records=records, columns=_COLUMNS)
        else:
            sql = f"INSERT INTO batch_rows ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?, ?)"
            await driver.executemany(sql, records)
    except Exception as error:
        if is_unique_violation(error):
            # A concurrent request put some of these rows in another active batch.
            raise ApiError(
                ErrorCode.CONFLICT,
                "Some data rows were added to another active batch of this project meanwhile",
            ) from error
        raise
