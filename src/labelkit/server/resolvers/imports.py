"""`importDataRows`: the lean bulk path. Rows arrive as one JSON value, are checked in plain
Python, and the valid ones are written with the Task in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from graphql import GraphQLEnumType, GraphQLResolveInfo

from ..bulk_sql import (
    AttachmentRecord,
    BulkWriter,
    JsonMemo,
    KeyRace,
    RowRecord,
    TaskRecord,
    bulk_writer,
    dump_json,
    timestamp_param,
)
from ..errors import not_found, validation
from ..ids import new_id, new_ids
from ..import_rows import CheckedRows, Failure, Prepared, check_rows, failure
from ..metadata import load_metadata_rules
from ..models import Task, utcnow
from ..state import ServerState
from .common import context, mutation

__all__ = ["MAX_IMPORT_ROWS", "import_rows"]

logger = logging.getLogger("labelkit.server")

MAX_IMPORT_ROWS = 10_000
TASK_NAME = "import data rows"
# A concurrent import that took one of our new keys makes the insert fail; the retry sees it.
_ATTEMPTS = 3


@cache
def enum_values(name: str) -> frozenset[str]:
    from ..schema import build_schema  # the schema binds this module's resolvers

    enum = build_schema().type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    return frozenset(enum.values)


@dataclass(slots=True)
class _Plan:
    """What one attempt writes, given the keys already taken in the organization."""

    inserts: list[Prepared]
    updates: list[tuple[str, Prepared]]
    failures: list[Failure]
    skipped: int


def _plan(
    checked: CheckedRows, rows: list[Any], taken: dict[str, tuple[str, str]], on_conflict: str
) -> _Plan:
    if not taken:
        return _Plan(checked.valid, [], checked.failures, 0)
    inserts: list[Prepared] = []
    updates: list[tuple[str, Prepared]] = []
    failures = list(checked.failures)
    skipped = 0
    for row in checked.valid:
        key = row[2]
        existing = taken.get(key) if key is not None else None
        if existing is None:
            inserts.append(row)
        elif on_conflict == "SKIP":
            skipped += 1
        elif on_conflict == "UPDATE":
            updates.append((existing[0], row))
        else:
            reason = f"global key {key!r} is already used by data row {existing[0]}"
            failures.append(failure(row[0], rows[row[0]], reason))
    failures.sort(key=lambda item: int(item["index"]))
    return _Plan(inserts, updates, failures, skipped)


def _records(
    rows: Sequence[Prepared], ids: Sequence[str], organization_id: str, dataset_id: str, stamp: Any
) -> tuple[list[RowRecord], list[AttachmentRecord]]:
    records: list[RowRecord] = []
    attachments: list[AttachmentRecord] = []
    dump = JsonMemo()
    for index, row_data, key, external_id, media_type, metadata, row_attachments in rows:
        row_id = ids[index]
        records.append(
            (row_id, organization_id, dataset_id, row_data, key, external_id, media_type,
             dump(metadata), stamp, stamp)
        )  # fmt: skip
        for position, (kind, value, name) in enumerate(row_attachments):
            attachments.append((row_id, position, kind, value, name))
    return records, attachments


async def _write_updates(
    writer: BulkWriter, updates: list[tuple[str, Prepared]], stamp: Any
) -> list[AttachmentRecord]:
    """Overwrites existing rows (ON CONFLICT UPDATE); returns their new attachments."""
    # Id order, so that two imports updating the same rows take their locks in one order.
    updates.sort(key=lambda item: item[0])
    dump = JsonMemo()
    await writer.update_rows(
        [(row[1], row[3], row[4], dump(row[5]), stamp, row_id) for row_id, row in updates]
    )
    await writer.delete_attachments([row_id for row_id, _ in updates])
    return [
        (row_id, position, kind, value, name)
        for row_id, row in updates
        for position, (kind, value, name) in enumerate(row[6])
    ]


def _task_record(task: Task, stamp: Any) -> TaskRecord:
    return (
        task.id,
        task.organization_id,
        task.name,
        task.status,
        task.completion_percentage,
        dump_json(task.result),
        dump_json(task.errors) if task.errors else "[]",
        dump_json(task.failed_data_rows) if task.failed_data_rows else "[]",
        stamp,
        stamp,
    )


async def import_rows(
    state: ServerState,
    organization_id: str,
    dataset_id: str,
    rows: Any,
    on_conflict: str,
    *,
    timings: dict[str, float] | None = None,
) -> Task:
    """Checks and writes one import; `timings` receives the seconds spent per phase."""
    clock = time.perf_counter
    started = clock()
    if type(rows) is not list:
        raise validation("rows must be a JSON array of row objects")
    if len(rows) > MAX_IMPORT_ROWS:
        raise validation(f"At most {MAX_IMPORT_ROWS} rows per call, got {len(rows)}")
    engine = state.engine
    metadata_values = [row.get("metadata") for row in rows if type(row) is dict]
    rules = await load_metadata_rules(engine, organization_id, metadata_values)
    checked = check_rows(rows, rules, enum_values("MediaType"), enum_values("AttachmentType"))
    keys = [row[2] for row in checked.valid if row[2] is not None]
    ids = new_ids("dr", len(rows))
    now = utcnow()
    stamp = timestamp_param(engine.dialect, now)
    # Built before the write lock is taken; rebuilt only if some keys turn out to be taken.
    all_records, all_attachments = _records(checked.valid, ids, organization_id, dataset_id, stamp)
    expected = len(checked.valid)
    phases = {"check": clock() - started, "keys": 0.0, "write": 0.0, "commit": 0.0}

    for attempt in range(1, _ATTEMPTS + 1):
        task = Task(
            id=new_id("tsk"),
            organization_id=organization_id,
            name=TASK_NAME,
            status="COMPLETE",
            completion_percentage=100.0,
            errors=[],
            created_at=now,
            updated_at=now,
        )
        try:
            async with state.write_turn(), engine.begin() as connection:
                mark = clock()
                writer = await bulk_writer(connection)
                if not await writer.open_dataset(organization_id, dataset_id, expected):
                    raise not_found("Dataset", dataset_id)
                taken = await writer.taken_keys(organization_id, keys) if keys else {}
                plan = _plan(checked, rows, taken, on_conflict)
                phases["keys"] += clock() - mark
                mark = clock()
                if plan.inserts is checked.valid:
                    records, attachments = all_records, all_attachments
                else:
                    records, attachments = _records(
                        plan.inserts, ids, organization_id, dataset_id, stamp
                    )
                if plan.updates:
                    attachments = attachments + await _write_updates(writer, plan.updates, stamp)
                if records:
                    if writer.sort_by_key:
                        # Concurrent imports then take unique-index locks in the same order.
                        records = sorted(records, key=lambda record: record[4] or "")
                    await writer.insert_rows(records)
                if attachments:
                    await writer.insert_attachments(attachments)
                await writer.close_dataset(dataset_id, expected, len(plan.inserts))
                task.result = {
                    "createdCount": len(plan.inserts),
                    "updatedCount": len(plan.updates),
                    "skippedCount": plan.skipped,
                    "failedCount": len(plan.failures),
                }
                task.failed_data_rows = plan.failures
                await writer.insert_task(_task_record(task, stamp))
                committing = clock()
                phases["write"] += committing - mark
            phases["commit"] += clock() - committing
        except KeyRace:
            if attempt == _ATTEMPTS:
                raise
            logger.info("importDataRows: a concurrent write took a key; retrying (%d)", attempt)
            continue
        break
    if timings is not None:
        timings.update(phases)
    return task


@mutation.field("importDataRows")
async def resolve_import_data_rows(
    _: None,
    info: GraphQLResolveInfo,
    dataset_id: str,
    rows: Any,
    on_conflict: str | None = None,
) -> Task:
    ctx = context(info)
    return await import_rows(
        ctx.state, ctx.organization_id, dataset_id, rows, on_conflict or "ERROR"
    )


bindables: list[Any] = []
