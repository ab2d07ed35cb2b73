"""Turning the Task of one bulk chunk (data rows, predictions, annotation imports) into a
`ChunkOutcome`."""

from __future__ import annotations

from .._generated.enums import TaskStatus
from .._generated.fragments import TaskFields
from ..bulk import ChunkOutcome, RowError


def task_outcome(task: TaskFields, index: int, size: int, offset: int) -> ChunkOutcome:
    """Counts and per-row errors of a chunk; error indices are positions in the whole input."""
    result = task.result if isinstance(task.result, dict) else {}
    if task.status == TaskStatus.FAILED:
        reason = "; ".join(task.errors) or "the server failed this chunk"
        errors = [RowError(offset + i, reason) for i in range(size)]
    else:
        errors = [
            RowError(
                offset + int(failure["index"]),
                str(failure["reason"]),
                _text(failure.get("globalKey")),
                _text(failure.get("externalId")),
            )
            for failure in task.failed_data_rows or []
        ]
    return ChunkOutcome(
        index=index,
        size=size,
        created=int(result.get("createdCount", 0)),
        updated=int(result.get("updatedCount", 0)),
        skipped=int(result.get("skippedCount", 0)),
        errors=errors,
        task_id=task.id,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
