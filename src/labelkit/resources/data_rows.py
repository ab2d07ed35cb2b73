from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pydantic

from .._generated.base_model import UNSET, UnsetType
from .._generated.fragments import DataRowFields
from .._generated.input_types import DataRowInput, UpdateDataRowInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource

#: Rows per synchronous `create` call, as on the server.
MAX_SYNC_ROWS = 1000
#: Attachments per row in a synchronous create.
MAX_ATTACHMENTS = 5
#: Ids per `deleteDataRows` request.
DELETE_CHUNK = 1000

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
        given = {
            "row_data": row_data,
            "global_key": global_key,
            "external_id": external_id,
            "metadata": metadata,
        }
        fields = {k: v for k, v in given.items() if v is not UNSET}
        if not fields:
            raise ValueError("update() needs at least one field to change")
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
