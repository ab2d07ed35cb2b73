"""The one bulk engine: splits a stream of items into chunks and sends them concurrently.

Memory stays bounded whatever the input size: the reader runs ahead only as far as the
in-flight chunks need. Each chunk carries an idempotency key derived from the run id and the
chunk index, so a retried chunk is replayed by the server, never applied twice; a checkpoint
file records finished chunks so that a rerun after a crash skips them.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

__all__ = ["BulkProgress", "BulkReport", "Checkpoint", "ChunkOutcome", "RowError", "run_chunks"]

T = TypeVar("T")

CHECKPOINT_VERSION = 1


@dataclass(frozen=True, slots=True)
class RowError:
    """One item that failed: its position in the input, its identifiers and the reason."""

    index: int
    reason: str
    global_key: str | None = None
    external_id: str | None = None


@dataclass(slots=True)
class ChunkOutcome:
    """What the server did with one chunk."""

    index: int
    size: int
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    task_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "chunk": self.index,
            "size": self.size,
            "created": self.created,
            "updated": self.updated,
            "skipped": self.skipped,
            "task_id": self.task_id,
            "errors": [[e.index, e.reason, e.global_key, e.external_id] for e in self.errors],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChunkOutcome:
        return cls(
            index=data["chunk"],
            size=data["size"],
            created=data["created"],
            updated=data["updated"],
            skipped=data["skipped"],
            task_id=data["task_id"],
            errors=[RowError(i, reason, key, ext) for i, reason, key, ext in data["errors"]],
        )


@dataclass(frozen=True, slots=True)
class BulkProgress:
    """Running totals, passed to a `progress` callback after every chunk."""

    items_done: int
    created: int
    updated: int
    skipped: int
    failed: int


class Checkpoint:
    """An append-only JSON-lines file of finished chunks, keyed by a stable run id.

    The first line identifies the run (its id and its parameters); a rerun with other
    parameters is refused, because its chunks would not line up with the recorded ones.
    """

    def __init__(self, path: str | Path, run: dict[str, Any]) -> None:
        self.path = Path(path)
        self.done: dict[int, ChunkOutcome] = {}
        if self.path.exists() and self.path.stat().st_size > 0:
            lines = self.path.read_text().splitlines()
            header = json.loads(lines[0])
            expected = {k: v for k, v in header.items() if k != "run_id"}
            if expected != {"version": CHECKPOINT_VERSION, **run}:
                raise ValueError(
                    f"checkpoint {self.path} belongs to another run ({expected}); "
                    "use a new checkpoint path or the same parameters"
                )
            self.run_id: str = header["run_id"]
            for line in lines[1:]:
                try:
                    outcome = ChunkOutcome.from_json(json.loads(line))
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash: that chunk is simply sent again
                self.done[outcome.index] = outcome
            self._file = self.path.open("a", encoding="utf-8")
        else:
            self.run_id = secrets.token_hex(12)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
            self._write({"version": CHECKPOINT_VERSION, "run_id": self.run_id, **run})

    def record(self, outcome: ChunkOutcome) -> None:
        self.done[outcome.index] = outcome
        self._write(outcome.to_json())

    def _write(self, line: dict[str, Any]) -> None:
        # Flushed per chunk: survives the process being killed (the OS keeps the data).
        self._file.write(json.dumps(line, separators=(",", ":")) + "\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


async def chunked(items: Iterable[T] | AsyncIterable[T], size: int) -> AsyncIterator[list[T]]:
    """Groups a sync or async iterable into lists of `size` (the last may be shorter)."""
    chunk: list[T] = []
    if isinstance(items, AsyncIterable):
        async for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
    else:
        for item in items:
            chunk.append(item)
            if len(chunk) == size:
                yield chunk
                chunk = []
                await anyio.lowlevel.checkpoint()  # a long sync source must not starve senders
    if chunk:
        yield chunk


@dataclass
class _Totals:
    outcomes: list[ChunkOutcome] = field(default_factory=list)
    items_done: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, outcome: ChunkOutcome) -> None:
        self.outcomes.append(outcome)
        self.items_done += outcome.size
        self.created += outcome.created
        self.updated += outcome.updated
        self.skipped += outcome.skipped
        self.failed += len(outcome.errors)

    def progress(self) -> BulkProgress:
        return BulkProgress(self.items_done, self.created, self.updated, self.skipped, self.failed)


async def run_chunks(
    items: Iterable[T] | AsyncIterable[T],
    send: Callable[[int, list[T], str], Awaitable[ChunkOutcome]],
    *,
    chunk_size: int,
    concurrency: int,
    checkpoint: Checkpoint | None = None,
    progress: Callable[[BulkProgress], object] | None = None,
) -> list[ChunkOutcome]:
    """Sends `items` in chunks through `send(chunk_index, chunk, idempotency_key)`.

    Up to `concurrency` chunks are in flight; chunks finished in an earlier run recorded in
    `checkpoint` are skipped. Returns every chunk's outcome in chunk order. The first error
    that outlives the transport's retries cancels the run and propagates; finished chunks
    stay recorded in the checkpoint.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if concurrency < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency}")
    run_id = checkpoint.run_id if checkpoint is not None else secrets.token_hex(12)
    totals = _Totals()

    def finish(outcome: ChunkOutcome) -> None:
        totals.add(outcome)
        if progress is not None:
            progress(totals.progress())

    async def worker(receive: MemoryObjectReceiveStream[tuple[int, list[T]]]) -> None:
        async with receive:
            async for index, chunk in receive:
                outcome = await send(index, chunk, f"{run_id}-{index}")
                if checkpoint is not None:
                    checkpoint.record(outcome)
                finish(outcome)

    # A zero-size buffer: the reader hands a chunk over only when a worker is free for it.
    send_stream, receive_stream = anyio.create_memory_object_stream[tuple[int, list[T]]](0)
    try:
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker, receive_stream.clone())
            receive_stream.close()
            async with send_stream:
                index = 0
                async for chunk in chunked(items, chunk_size):
                    done = checkpoint.done.get(index) if checkpoint is not None else None
                    if done is not None:
                        finish(done)
                    else:
                        await send_stream.send((index, chunk))
                    index += 1
    except BaseExceptionGroup as group:
        # The caller gets the error that stopped the run (e.g. NotFoundError), not a group.
        raise _first_error(group) from None
    totals.outcomes.sort(key=lambda outcome: outcome.index)
    return totals.outcomes


def _first_error(group: BaseExceptionGroup[BaseException]) -> BaseException:
    first = group.exceptions[0]
    return _first_error(first) if isinstance(first, BaseExceptionGroup) else first


@dataclass(frozen=True, slots=True)
class BulkReport:
    """The outcome of a bulk run: exact counts, every failed item, the server tasks."""

    created: int
    updated: int
    skipped: int
    failed: int
    errors: list[RowError]
    task_ids: list[str]
    chunks: int

    @classmethod
    def from_outcomes(cls, outcomes: list[ChunkOutcome]) -> BulkReport:
        return cls(
            created=sum(o.created for o in outcomes),
            updated=sum(o.updated for o in outcomes),
            skipped=sum(o.skipped for o in outcomes),
            failed=sum(len(o.errors) for o in outcomes),
            errors=[error for o in outcomes for error in o.errors],
            task_ids=[o.task_id for o in outcomes if o.task_id is not None],
            chunks=len(outcomes),
        )
