"""The statements of a bulk import, written against the driver connection.

SQLAlchemy's per-row parameter processing and, on SQLite, aiosqlite's thread hop per cursor
call cost more than the insert itself at thousands of rows per request. These writers take
ready tuples and make one driver call per statement; on PostgreSQL the rows go in with COPY.
Everything runs inside the caller's transaction on the same connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Dialect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from .models import DataRow, Dataset

__all__ = [
    "AttachmentRecord",
    "BulkWriter",
    "JsonMemo",
    "KeyRace",
    "RowRecord",
    "TaskRecord",
    "UpdateRecord",
    "bulk_writer",
    "dump_json",
    "timestamp_param",
]

# (id, organization_id, dataset_id, row_data, global_key, external_id, media_type, metadata,
#  created_at, updated_at); metadata is JSON text.
RowRecord = tuple[str, str, str, str, str | None, str | None, str | None, str, Any, Any]
# (data_row_id, position, type, value, name)
AttachmentRecord = tuple[str, int, str, str, str | None]
# (row_data, external_id, media_type, metadata, updated_at, id)
UpdateRecord = tuple[str, str | None, str | None, str, Any, str]
# (id, organization_id, name, status, completion_percentage, result, errors,
#  failed_data_rows, created_at, updated_at); JSON columns as text.
TaskRecord = tuple[str, str, str, str, float, str, str, str, Any, Any]

ROW_COLUMNS = (
    "id",
    "organization_id",
    "dataset_id",
    "row_data",
    "global_key",
    "external_id",
    "media_type",
    "metadata",
    "created_at",
    "updated_at",
)
ATTACHMENT_COLUMNS = ("data_row_id", "position", "type", "value", "name")
TASK_COLUMNS = (
    "id",
    "organization_id",
    "name",
    "status",
    "completion_percentage",
    "result",
    "errors",
    "failed_data_rows",
    "created_at",
    "updated_at",
)
_UPDATE_SET = "row_data = {}, external_id = {}, media_type = {}, metadata = {}, updated_at = {}"


class KeyRace(Exception):
    """A unique or lock conflict with a concurrent writer: the import may be redone."""


_encode_json = json.JSONEncoder(separators=(",", ":")).encode


def dump_json(value: Any) -> str:
    """JSON text for a JSON column (what SQLAlchemy's JSON type would bind)."""
    return _encode_json(value) if value else "{}"


class JsonMemo:
    """`dump_json` for the metadata of one import, whose rows mostly repeat a few objects:
    encoding costs about 1.3 µs per small object, a lookup about 0.3 µs."""

    def __init__(self) -> None:
        self._texts: dict[tuple[Any, ...], str] = {}

    def __call__(self, value: Any) -> str:
        if not value:
            return "{}"
        try:
            # The value types are part of the key: 1, 1.0 and True are equal, and hash alike.
            key = (*value.items(), *map(type, value.values()))
            text = self._texts.get(key)
        except TypeError:  # a nested list or object: not hashable
            return _encode_json(value)
        if text is None:
            text = self._texts[key] = _encode_json(value)
        return text


def timestamp_param(dialect: Dialect, value: datetime) -> Any:
    """`value` as the driver takes it for a timestamp column (SQLite: a formatted string)."""
    column_type = DataRow.__table__.c.created_at.type
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process is not None else value


class BulkWriter:
    #: Whether inserts should go in global-key order (unique-index locks are per key).
    sort_by_key = False

    def __init__(self, connection: AsyncConnection, driver: Any) -> None:
        self.connection = connection
        self.driver = driver

    async def open_dataset(self, organization_id: str, dataset_id: str, expected: int) -> bool:
        """The first statement of the import; False when the dataset is not there."""
        raise NotImplementedError

    async def close_dataset(self, dataset_id: str, expected: int, created: int) -> None:
        """Brings the dataset's row count to what was inserted."""
        raise NotImplementedError

    async def insert_task(self, task: TaskRecord) -> None:
        raise NotImplementedError

    async def taken_keys(
        self, organization_id: str, keys: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        """key -> (data row id, dataset id) for the keys already used in the organization."""
        raise NotImplementedError

    async def insert_rows(self, rows: Sequence[RowRecord]) -> None:
        raise NotImplementedError

    async def insert_attachments(self, attachments: Sequence[AttachmentRecord]) -> None:
        raise NotImplementedError

    async def update_rows(self, updates: Sequence[UpdateRecord]) -> None:
        raise NotImplementedError

    async def delete_attachments(self, row_ids: Sequence[str]) -> None:
        raise NotImplementedError


class SqliteWriter(BulkWriter):
    """aiosqlite: one thread hop per statement instead of one per cursor call."""

    # SQLite >= 3.32 allows 32,766 bound variables per statement (the Python build's limit).
    MAX_VARIABLES = 999 if sqlite3.sqlite_version_info < (3, 32) else 32_000

    async def _run(self, method: str, sql: str, parameters: Any) -> Any:
        try:
            return await getattr(self.driver, method)(sql, parameters)
        except sqlite3.IntegrityError as error:
            raise KeyRace(str(error)) from error

    async def open_dataset(self, organization_id: str, dataset_id: str, expected: int) -> bool:
        # A write first: SQLite then holds the write lock before anything reads, so that the
        # key check and the insert see the same database. The count is the optimistic one.
        cursor = await self._run(
            "execute",
            "UPDATE datasets SET row_count = row_count + ? WHERE id = ? AND organization_id = ?",
            (expected, dataset_id, organization_id),
        )
        return bool(cursor.rowcount)

    async def close_dataset(self, dataset_id: str, expected: int, created: int) -> None:
        if created != expected:
            await self._run(
                "execute",
                "UPDATE datasets SET row_count = row_count - ? WHERE id = ?",
                (expected - created, dataset_id),
            )

    async def insert_task(self, task: TaskRecord) -> None:
        sql = (
            f"INSERT INTO tasks ({', '.join(TASK_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(TASK_COLUMNS))})"
        )
        await self._run("execute", sql, task)

    async def taken_keys(
        self, organization_id: str, keys: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        taken: dict[str, tuple[str, str]] = {}
        step = self.MAX_VARIABLES - 1
        for start in range(0, len(keys), step):
            part = keys[start : start + step]
            sql = (
                "SELECT global_key, id, dataset_id FROM data_rows WHERE organization_id = ? "
                f"AND global_key IN ({','.join('?' * len(part))})"
            )
            for key, row_id, dataset_id in await self._run(
                "execute_fetchall", sql, (organization_id, *part)
            ):
                taken[key] = (row_id, dataset_id)
        return taken

    async def insert_rows(self, rows: Sequence[RowRecord]) -> None:
        sql = (
            f"INSERT INTO data_rows ({', '.join(ROW_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(ROW_COLUMNS))})"
        )
        await self._run("executemany", sql, rows)

    async def insert_attachments(self, attachments: Sequence[AttachmentRecord]) -> None:
        sql = (
            f"INSERT INTO attachments ({', '.join(ATTACHMENT_COLUMNS)}) "
            f"VALUES ({', '.join('?' * len(ATTACHMENT_COLUMNS))})"
        )
        await self._run("executemany", sql, attachments)

    async def update_rows(self, updates: Sequence[UpdateRecord]) -> None:
        sql = f"UPDATE data_rows SET {_UPDATE_SET.format(*'?????')} WHERE id = ?"
        await self._run("executemany", sql, updates)

    async def delete_attachments(self, row_ids: Sequence[str]) -> None:
        step = self.MAX_VARIABLES
        for start in range(0, len(row_ids), step):
            part = row_ids[start : start + step]
            sql = f"DELETE FROM attachments WHERE data_row_id IN ({','.join('?' * len(part))})"
            await self._run("execute", sql, part)


class PostgresWriter(BulkWriter):
    """asyncpg: COPY for inserts, arrays instead of long IN lists."""

    sort_by_key = True

    async def open_dataset(self, organization_id: str, dataset_id: str, expected: int) -> bool:
        # Through SQLAlchemy, which opens the transaction the driver calls below run in. A
        # read, not the count update: that comes last, so that the dataset row stays
        # unlocked while the rows are copied and concurrent imports into it overlap.
        found = await self.connection.scalar(
            select(Dataset.id).where(
                Dataset.id == dataset_id, Dataset.organization_id == organization_id
            )
        )
        return found is not None

    async def close_dataset(self, dataset_id: str, expected: int, created: int) -> None:
        if created:
            await self._run(
                "execute",
                "UPDATE datasets SET row_count = row_count + $1 WHERE id = $2",
                created,
                dataset_id,
            )

    async def insert_task(self, task: TaskRecord) -> None:
        placeholders = ", ".join(f"${n}" for n in range(1, len(TASK_COLUMNS) + 1))
        await self._run(
            "execute",
            f"INSERT INTO tasks ({', '.join(TASK_COLUMNS)}) VALUES ({placeholders})",
            *task,
        )

    async def _run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        import asyncpg  # type: ignore[import-untyped]

        try:
            return await getattr(self.driver, method)(*args, **kwargs)
        except (
            asyncpg.IntegrityConstraintViolationError,
            asyncpg.DeadlockDetectedError,
        ) as error:
            raise KeyRace(str(error)) from error

    async def taken_keys(
        self, organization_id: str, keys: Sequence[str]
    ) -> dict[str, tuple[str, str]]:
        # One unique-index probe per key, forced by LATERAL ... LIMIT 1: a plain join (or
        # `global_key = ANY($2)`) is planned as a walk over every row of the organization
        # while the table is not yet analyzed, which made each chunk slower than the last.
        records = await self._run(
            "fetch",
            "SELECT d.global_key, d.id, d.dataset_id FROM unnest($2::varchar[]) AS k(key) "
            "CROSS JOIN LATERAL (SELECT global_key, id, dataset_id FROM data_rows "
            "WHERE organization_id = $1 AND global_key = k.key LIMIT 1) AS d",
            organization_id,
            list(keys),
        )
        return {record[0]: (record[1], record[2]) for record in records}

    async def insert_rows(self, rows: Sequence[RowRecord]) -> None:
        await self._run("copy_records_to_table", "data_rows", records=rows, columns=ROW_COLUMNS)

    async def insert_attachments(self, attachments: Sequence[AttachmentRecord]) -> None:
        await self._run(
            "copy_records_to_table", "attachments", records=attachments, columns=ATTACHMENT_COLUMNS
        )

    async def update_rows(self, updates: Sequence[UpdateRecord]) -> None:
        sql = (
            f"UPDATE data_rows SET {_UPDATE_SET.format('$1', '$2', '$3', '$4', '$5')} WHERE id = $6"
        )
        await self._run("executemany", sql, updates)

    async def delete_attachments(self, row_ids: Sequence[str]) -> None:
        await self._run(
            "execute",
            "DELETE FROM attachments WHERE data_row_id = ANY($1::varchar[])",
            list(row_ids),
        )


async def bulk_writer(connection: AsyncConnection) -> BulkWriter:
    """The writer for this connection's database (a transaction must already be open)."""
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    name = connection.dialect.name
    if name == "sqlite":
        return SqliteWriter(connection, driver)
    if name == "postgresql":
        return PostgresWriter(connection, driver)
    raise NotImplementedError(f"bulk import does not support the {name} dialect")
