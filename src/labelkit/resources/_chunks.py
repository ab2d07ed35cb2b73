"""Turning the Task of one bulk chunk (predictions, annotation imports) into a `ChunkOutcome`."""

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
                failure.get("globalKey") if isinstance(failure.get("globalKey"), str) else None,
            )
            for failure in task.failed_data_rows or []
        ]
    return ChunkOutcome(
        index=index,
        size=size,
        created=int(result.get("createdCount", 0)),
        errors=errors,
        task_id=task.id,
    )
