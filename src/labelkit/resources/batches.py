from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .._generated.base_model import UNSET
from .._generated.fragments import BatchFields, TaskFields
from .._generated.input_types import ConsensusSettingsInput
from .._transport import Verbatim, new_idempotency_key
from ..identifiers import row_identifiers
from ..pagination import AsyncPaginator
from ._base import Resource

#: Rows per batch, as on the server.
MAX_BATCH_ROWS = 100_000
#: Rows per `create_many` call; they become batches of MAX_BATCH_ROWS.
MAX_CREATE_MANY_ROWS = 1_000_000
#: Labels per consensus row.
MAX_CONSENSUS_LABELS = 20


def _check_priority(priority: int) -> int:
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise TypeError(f"priority must be an int, got {type(priority).__name__}")
    if not 1 <= priority <= 5:
        raise ValueError(f"priority must be between 1 (highest) and 5 (lowest), got {priority}")
    return priority


def _consensus(settings: dict[str, Any] | None) -> ConsensusSettingsInput | None:
    if settings is None:
        return None
    if set(settings) != {"number_of_labels", "coverage_percentage"}:
        raise ValueError(
            "consensus_settings takes exactly number_of_labels and coverage_percentage, "
            f"got {sorted(settings)}"
        )
    labels, coverage = settings["number_of_labels"], settings["coverage_percentage"]
    if not isinstance(labels, int) or not 2 <= labels <= MAX_CONSENSUS_LABELS:
        raise ValueError(f"number_of_labels must be between 2 and {MAX_CONSENSUS_LABELS}")
    if not isinstance(coverage, int | float) or not 0 <= coverage <= 1:
        raise ValueError("coverage_percentage must be between 0 and 1")
    return ConsensusSettingsInput(number_of_labels=labels, coverage_percentage=float(coverage))


def _name(name: str, argument: str, max_length: int = 255) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{argument} must be a non-empty string")
    if len(name) > max_length:
        raise ValueError(f"{argument} must be at most {max_length} characters")
    return name


class Batches(Resource):
    """`client.batches`: sets of data rows queued for labeling in a project.

    A row can be in one active batch of a project at a time; archiving a batch frees its rows.
    """

    async def create(
        self,
        project_id: str,
        name: str,
        *,
        data_rows: Iterable[Any] | None = None,
        global_keys: Iterable[str] | None = None,
        priority: int = 5,
        consensus_settings: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> BatchFields:
        """A batch of up to 100,000 rows, named by `data_rows` (ids or data rows) or by
        `global_keys` (exactly one of them). `priority` runs from 1 (labeled first) to 5.
        `consensus_settings={"number_of_labels": 3, "coverage_percentage": 0.1}` applies to
        CONSENSUS projects. Rows that can't be added are listed in `failed_data_rows`;
        `ConflictError` for a name already used in the project."""
        _name(name, "name")
        _check_priority(priority)
        kind, values = row_identifiers(data_rows, global_keys, MAX_BATCH_ROWS)
        settings = _consensus(consensus_settings)
        return await self._call(
            self._api.create_batch(
                project_id=project_id,
                name=name,
                data_rows=Verbatim(values) if kind == "data_rows" else UNSET,
                global_keys=Verbatim(values) if kind == "global_keys" else UNSET,
                priority=priority,
                consensus_settings=settings if settings is not None else UNSET,
                idempotency_key=idempotency_key or new_idempotency_key(),
            )
        )

    async def create_many(
        self,
        project_id: str,
        name_prefix: str,
        *,
        data_rows: Iterable[Any] | None = None,
        global_keys: Iterable[str] | None = None,
        priority: int = 5,
        timeout: float = 600.0,
    ) -> TaskFields:
        """Up to 1,000,000 rows as batches of 100,000 named `<prefix>0000`, `<prefix>0001`, ...
        in one server transaction. Returns the finished Task: `result` holds `batchIds`,
        `createdCount` and `failedCount`, `failed_data_rows` the rows left out."""
        _name(name_prefix, "name_prefix", 251)
        _check_priority(priority)
        kind, values = row_identifiers(data_rows, global_keys, MAX_CREATE_MANY_ROWS)
        return await self._call(
            self._api.create_batches(
                project_id=project_id,
                name_prefix=name_prefix,
                data_rows=Verbatim(values) if kind == "data_rows" else UNSET,
                global_keys=Verbatim(values) if kind == "global_keys" else UNSET,
                priority=priority,
                idempotency_key=new_idempotency_key(),
                timeout=timeout,
            )
        )

    async def create_from_dataset(
        self,
        project_id: str,
        dataset_id: str,
        name_prefix: str,
        *,
        priority: int = 5,
        timeout: float = 600.0,
    ) -> TaskFields:
        """Batches (of 100,000) of every row of the dataset not yet in an active batch of
        the project, named like `create_many`'s."""
        _name(name_prefix, "name_prefix", 251)
        _check_priority(priority)
        return await self._call(
            self._api.create_batches_from_dataset(
                project_id=project_id,
                dataset_id=dataset_id,
                name_prefix=name_prefix,
                priority=priority,
                idempotency_key=new_idempotency_key(),
                timeout=timeout,
            )
        )

    async def get(self, id: str) -> BatchFields:
        return await self._call(self._api.get_batch(id=id))

    def list(self, project_id: str, *, page_size: int = 100) -> AsyncPaginator[BatchFields]:
        """The project's batches, archived ones included, oldest first."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_batches(project_id=project_id, first=first, after=after)
            ),
            page_size=page_size,
        )

    async def archive(self, id: str) -> BatchFields:
        """Takes the batch's rows out of the queue; they may then join another batch."""
        return await self._call(
            self._api.archive_batch(id=id, idempotency_key=new_idempotency_key())
        )

    async def delete(self, id: str) -> None:
        """Deletes the batch; `ConflictError` when rows of it have labels."""
        await self._call(self._api.delete_batch(id=id, idempotency_key=new_idempotency_key()))

    async def remove_queued_data_rows(self, id: str) -> int:
        """Removes the rows still waiting for a label; returns how many."""
        payload = await self._call(
            self._api.remove_queued_data_rows(batch_id=id, idempotency_key=new_idempotency_key())
        )
        return payload.deleted_count
