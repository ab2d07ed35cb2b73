"""Ways to name a data row where an API takes either ids or global keys."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["GlobalKey", "row_identifiers"]


@dataclass(frozen=True, slots=True)
class GlobalKey:
    """A data row named by its global key, e.g. in `set_labeling_overrides`."""

    key: str


def _row_id(value: Any, argument: str) -> str:
    row_id = value if isinstance(value, str) else getattr(value, "id", None)
    if not isinstance(row_id, str) or not row_id:
        raise TypeError(f"{argument} must hold data row ids (str) or data rows, got {value!r}")
    return row_id


def row_identifiers(
    data_rows: Iterable[Any] | None,
    global_keys: Iterable[str] | None,
    limit: int,
) -> tuple[Literal["data_rows", "global_keys"], list[str]]:
    """Exactly one of `data_rows` (ids or objects with `.id`) and `global_keys`, at most
    `limit` of them, checked before anything is sent."""
    if (data_rows is None) == (global_keys is None):
        raise ValueError("give exactly one of data_rows and global_keys")
    if data_rows is not None:
        if isinstance(data_rows, str):
            raise TypeError("data_rows must be a list of ids, not a single string")
        kind: Literal["data_rows", "global_keys"] = "data_rows"
        values = [_row_id(value, "data_rows") for value in data_rows]
    else:
        assert global_keys is not None
        if isinstance(global_keys, str):
            raise TypeError("global_keys must be a list of keys, not a single string")
        kind = "global_keys"
        values = list(global_keys)
        if not all(isinstance(key, str) and key for key in values):
            raise TypeError("global_keys must hold non-empty strings")
    if not values:
        raise ValueError(f"{kind} must not be empty")
    if len(values) > limit:
        raise ValueError(f"{kind}: at most {limit:,} per call, got {len(values):,}")
    return kind, values
