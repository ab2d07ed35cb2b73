from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pydantic

from .._generated.base_model import UNSET, UnsetType
from .._generated.enums import ConflictPolicy
from .._generated.fragments import DataRowFields
from .._generated.input_types import DataRowInput, UpdateDataRowInput
from .._transport import Verbatim, new_idempotency_key
from ..bulk import BulkProgress, BulkReport, Checkpoint, ChunkOutcome, run_chunks
from ..pagination import AsyncPaginator
from ._base import Resource, changed_fields, coerce_enum
from ._chunks import task_outcome

#: Rows per synchronous `create` call, as on the server.
MAX_SYNC_ROWS = 1000
#: Attachments per row in a synchronous create.
MAX_ATTACHMENTS = 5
#: Ids per `deleteDataRows` request.
DELETE_CHUNK = 1000
#: Rows per `importDataRows` request (one chunk of `create_many`).
MAX_IMPORT_ROWS = 10_000
#: External ids per lookup request.
EXTERNAL_ID_CHUNK = 1500

_ROW_FIELDS = frozenset(
    {"row_data", "global_key", "external_id", "media_type", "metadata", "attachments"}
)


def to_row_input(index: int, row: Mapping[str, Any]) -> DataRowInput:
    """Validates one row dict before anything is sent; errors name the row's index."""
    if not isinstance(row, Mapping):
        raise TypeError(f"rows[{index}] must be a dict, got {type(row).__name__}")
    unknown = set(row) - _ROW_FIELDS
    if unknown:
        raise ValueError(
            f"rows[{index}] has unknown field(s) {sorted(unknown)}; expected {sorted(_ROW_FIELDS)}"
        )
    attachments = row.get("attachments") or []
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValueError(
            f"rows[{index}] has {len(attachments)} attachments; at most {MAX_ATTACHMENTS} are allowed"
        )
    fields = dict(row)
    if isinstance(fields.get("media_type"), str):
        fields["media_type"] = fields["media_type"].upper()
    if attachments:
        fields["attachments"] = [
            {**a, "type": a["type"].upper()}
            if isinstance(a, Mapping) and isinstance(a.get("type"), str)
            else a
            for a in attachments
        ]
    try:
        return DataRowInput.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise ValueError(f"rows[{index}] is invalid: {exc}") from exc


class DataRows(Resource):
    """`client.data_rows`: the assets of a dataset, with global keys and metadata."""

    async def create(
        self,
        dataset_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> list[DataRowFields]:
        """Creates up to 1,000 rows in one atomic request and returns them.

        Each row is a dict with `row_data` (URL or text) and optionally `global_key`,
        `external_id`, `media_type`, `metadata` and up to 5 `attachments`.
        """
        if len(rows) > MAX_SYNC_ROWS:
            raise ValueError(
                f"create() takes at most {MAX_SYNC_ROWS} rows, got {len(rows)}; "
                "use create_many() for larger uploads"
            )
        if not rows:
            return []
        inputs = [to_row_input(i, row) for i, row in enumerate(rows)]
        payload = await self._call(
            self._api.create_data_rows(
                dataset_id=dataset_id,
                rows=inputs,
                idempotency_key=idempotency_key or new_idempotency_key(),
            )
        )
        return payload.data_rows

    async def create_many(
        self,
        dataset_id: str,
        rows: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        chunk_size: int = 1000,
        concurrency: int = 4,
        on_conflict: ConflictPolicy | str = ConflictPolicy.ERROR,
        checkpoint: str | Path | None = None,
        progress: Callable[[BulkProgress], object] | None = None,
    ) -> BulkReport:
        """Creates any number of rows from a list, a generator or an async iterable.

        Rows travel in chunks of `chunk_size`, up to `concurrency` at once, in constant
        memory. Each chunk is written atomically as a server task and is safe to retry: it
        carries an idempotency key, so a retried chunk is replayed, never inserted twice.
        A row the server rejects is reported in `BulkReport.errors` with its index in the
        input, and does not stop the others. `on_conflict` decides what an already used
        global key does: "error" (the row fails), "skip" or "update".

        With `checkpoint=PATH`, finished chunks are recorded there, and a rerun with the same
        input and path after a crash sends only what was not finished.
        """
        if not 1 <= chunk_size <= MAX_IMPORT_ROWS:
            raise ValueError(
                f"chunk_size must be between 1 and {MAX_IMPORT_ROWS}, got {chunk_size}"
            )
        policy = coerce_enum(ConflictPolicy, on_conflict, "on_conflict")
        run = {"dataset_id": dataset_id, "chunk_size": chunk_size, "on_conflict": policy.value}
        journal = Checkpoint(checkpoint, run) if checkpoint is not None else None

        async def send(index: int, chunk: list[Mapping[str, Any]], key: str) -> ChunkOutcome:
            task = await self._call(
                self._api.import_data_rows(
                    dataset_id=dataset_id,
                    rows=Verbatim(chunk),
                    on_conflict=policy,
                    idempotency_key=key,
                )
            )
            return task_outcome(task, index, len(chunk), index * chunk_size)

        try:
            outcomes = await run_chunks(
                rows,
                send,
                chunk_size=chunk_size,
                concurrency=concurrency,
                checkpoint=journal,
                progress=progress,
            )
        finally:
            if journal is not None:
                journal.close()
        return BulkReport.from_outcomes(outcomes)

    async def lookup_external_ids(self, external_ids: Iterable[str]) -> dict[str, list[str]]:
        """Data row ids for each external id (several rows may share one); misses map to []."""
        wanted = list(dict.fromkeys(external_ids))
        found: dict[str, list[str]] = {external_id: [] for external_id in wanted}
        for start in range(0, len(wanted), EXTERNAL_ID_CHUNK):
            matches = await self._call(
                self._api.lookup_external_ids(
                    external_ids=wanted[start : start + EXTERNAL_ID_CHUNK]
                )
            )
            for match in matches:
                found[match.external_id] = list(match.data_row_ids)
        return found

    async def get(self, id: str) -> DataRowFields:
        """The row; `NotFoundError` if it does not exist in this organization."""
        return await self._call(self._api.get_data_row(id=id))

    async def get_by_global_key(self, global_key: str) -> DataRowFields:
        """The row with this global key; `NotFoundError` if none has it."""
        return await self._call(self._api.get_data_row_by_global_key(global_key=global_key))

    def list(self, dataset_id: str, *, page_size: int = 100) -> AsyncPaginator[DataRowFields]:
        """Every row of a dataset, in creation order."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_data_rows(dataset_id=dataset_id, first=first, after=after)
            ),
            page_size=page_size,
        )

    async def update(
        self,
        id: str,
        *,
        row_data: str | UnsetType = UNSET,
        global_key: str | None | UnsetType = UNSET,
        external_id: str | None | UnsetType = UNSET,
        metadata: dict[str, Any] | UnsetType = UNSET,
    ) -> DataRowFields:
        """Changes the given fields only."""
        fields = changed_fields(
            row_data=row_data, global_key=global_key, external_id=external_id, metadata=metadata
        )
        return await self._call(
            self._api.update_data_row(
                id=id, input=UpdateDataRowInput(**fields), idempotency_key=new_idempotency_key()
            )
        )

    async def delete(self, ids: Iterable[str]) -> int:
        """Deletes rows by id, in chunks; ids already gone are skipped. Returns how many went."""
        id_list = list(dict.fromkeys(ids))
        deleted = 0
        for start in range(0, len(id_list), DELETE_CHUNK):
            payload = await self._call(
                self._api.delete_data_rows(
                    ids=id_list[start : start + DELETE_CHUNK], idempotency_key=new_idempotency_key()
                )
            )
            deleted += payload.deleted_count
        return deleted
