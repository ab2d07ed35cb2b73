from __future__ import annotations

from collections.abc import Iterable, Mapping

from .._generated.assign_global_keys import AssignGlobalKeysAssignGlobalKeys
from .._generated.clear_global_keys import ClearGlobalKeysClearGlobalKeys
from .._generated.input_types import GlobalKeyAssignmentInput
from .._generated.lookup_global_keys import LookupGlobalKeysDataRowIdsForGlobalKeys
from .._transport import new_idempotency_key
from ._base import Resource

#: Keys per request, as on the server.
MAX_KEYS = 10_000


def _check_size(count: int) -> None:
    if count > MAX_KEYS:
        raise ValueError(f"at most {MAX_KEYS} global keys per call, got {count}")


class GlobalKeys(Resource):
    """`client.global_keys`: organization-wide unique keys of data rows.

    Each call answers `status` (SUCCESS, PARTIAL_SUCCESS or FAILURE), `results` and `errors`:
    invalid or already used keys, and rows that do not exist, go to `errors`.
    """

    async def assign(
        self, assignments: Iterable[Mapping[str, str]]
    ) -> AssignGlobalKeysAssignGlobalKeys:
        """Sets keys: `[{"data_row_id": ..., "global_key": ...}, ...]`."""
        inputs = []
        for index, item in enumerate(assignments):
            missing = {"data_row_id", "global_key"} - set(item)
            if missing:
                raise ValueError(f"assignments[{index}] lacks {sorted(missing)}")
            inputs.append(
                GlobalKeyAssignmentInput(
                    data_row_id=item["data_row_id"], global_key=item["global_key"]
                )
            )
        _check_size(len(inputs))
        return await self._call(
            self._api.assign_global_keys(assignments=inputs, idempotency_key=new_idempotency_key())
        )

    async def clear(self, global_keys: Iterable[str]) -> ClearGlobalKeysClearGlobalKeys:
        """Removes keys from their rows; the rows stay."""
        keys = list(global_keys)
        _check_size(len(keys))
        return await self._call(
            self._api.clear_global_keys(global_keys=keys, idempotency_key=new_idempotency_key())
        )

    async def lookup(self, global_keys: Iterable[str]) -> LookupGlobalKeysDataRowIdsForGlobalKeys:
        """Data row ids in input order, with "" where a key matched nothing."""
        keys = list(global_keys)
        _check_size(len(keys))
        return await self._call(self._api.lookup_global_keys(global_keys=keys))
