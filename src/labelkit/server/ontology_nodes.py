"""Checks and normalizes feature schema nodes: the JSON that `OntologyBuilder` writes.

A tool is `{tool, name, required, color, classifications}`, a classification is
`{type, name, instructions, required, options}` and an option is `{value, label, options}`
(options hold nested classifications). Every node gets a `featureSchemaId` and a
`schemaNodeId`; nested nodes keep the ids they arrive with, so that an update keeps the
labels that point at them.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterator
from typing import Any

from .errors import validation
from .ids import ID_PATTERN, new_id

__all__ = [
    "CLASSIFICATION_TYPES",
    "TOOL_TYPES",
    "default_color",
    "node_ids",
    "node_kind",
    "normalize_node",
]

TOOL_TYPES = frozenset(
    {
        "rectangle",
        "polygon",
        "line",
        "point",
        "superpixel",
        "raster-segmentation",
        "named-entity",
        "edge",
    }
)
CLASSIFICATION_TYPES = frozenset({"radio", "checklist", "text"})
MAX_NAME_LENGTH = 255
_COLOR = re.compile(r"#[0-9a-fA-F]{6}|[a-zA-Z]{1,32}")


def default_color(index: int, count: int) -> str:
    """Evenly spread hues, as OntologyBuilder picks them for tools without a color."""
    red, green, blue = colorsys.hsv_to_rgb(index / max(count, 1), 1, 1)
    return f"#{int(255 * red):02x}{int(255 * green):02x}{int(255 * blue):02x}"


def node_kind(node: Any, where: str) -> str:
    """TOOL or CLASSIFICATION."""
    if not isinstance(node, dict):
        raise validation(f"{where} must be an object")
    if "tool" in node:
        return "TOOL"
    if "type" in node:
        return "CLASSIFICATION"
    raise validation(f"{where} needs 'tool' (a tool) or 'type' (a classification)")


def _name(node: dict[str, Any], where: str, *fields: str) -> str:
    for field in fields:
        value = node.get(field)
        if value is not None:
            if not isinstance(value, str) or not value.strip():
                raise validation(f"{where}.{field} must be a non-empty string")
            if len(value) > MAX_NAME_LENGTH:
                raise validation(f"{where}.{field} must be at most {MAX_NAME_LENGTH} characters")
            return value
    raise validation(f"{where} needs a {fields[0]}")


def _ids(node: dict[str, Any], keep: bool) -> dict[str, str]:
    def given(field: str, prefix: str) -> str:
        value = node.get(field)
        if keep and isinstance(value, str) and ID_PATTERN.fullmatch(value):
            return value
        return new_id(prefix)

    return {
        "schemaNodeId": given("schemaNodeId", "sn"),
        "featureSchemaId": given("featureSchemaId", "fsc"),
    }


def _required(node: dict[str, Any], where: str) -> bool:
    value = node.get("required", False)
    if not isinstance(value, bool):
        raise validation(f"{where}.required must be a boolean")
    return value


def _list(node: dict[str, Any], field: str, where: str) -> list[Any]:
    value = node.get(field) or []
    if not isinstance(value, list):
        raise validation(f"{where}.{field} must be a list")
    return value


def _unique_names(nodes: list[dict[str, Any]], field: str, where: str) -> None:
    seen: set[str] = set()
    for node in nodes:
        name = node[field]
        if name in seen:
            raise validation(f"{where}: {field} {name!r} is used twice")
        seen.add(name)


def _classifications(items: list[Any], where: str) -> list[dict[str, Any]]:
    nodes = []
    for index, item in enumerate(items):
        item_where = f"{where}[{index}]"
        if node_kind(item, item_where) != "CLASSIFICATION":
            raise validation(f"{item_where} must be a classification (with 'type')")
        nodes.append(_classification(item, item_where, keep_ids=True))
    _unique_names(nodes, "name", where)
    return nodes


def _option(node: Any, where: str) -> dict[str, Any]:
    if not isinstance(node, dict):
        raise validation(f"{where} must be an object")
    value = _name(node, where, "value", "label")
    label = node.get("label", value)
    if not isinstance(label, str) or not label.strip():
        raise validation(f"{where}.label must be a non-empty string")
    return {
        "value": value,
        "label": label,
        "options": _classifications(_list(node, "options", where), f"{where}.options"),
        **_ids(node, keep=True),
    }


def _classification(node: dict[str, Any], where: str, *, keep_ids: bool) -> dict[str, Any]:
    kind = node.get("type")
    if kind not in CLASSIFICATION_TYPES:
        raise validation(
            f"{where}.type {kind!r} is not one of {', '.join(sorted(CLASSIFICATION_TYPES))}"
        )
    name = _name(node, where, "name", "instructions")
    raw_options = _list(node, "options", where)
    if kind == "text" and raw_options:
        raise validation(f"{where}: a text classification has no options")
    if kind != "text" and not raw_options:
        raise validation(f"{where}: a {kind} classification needs at least one option")
    options = [_option(option, f"{where}.options[{i}]") for i, option in enumerate(raw_options)]
    _unique_names(options, "value", f"{where}.options")
    return {
        "type": kind,
        "name": name,
        "instructions": name,
        "required": _required(node, where),
        "options": options,
        **_ids(node, keep=keep_ids),
    }


def _tool(node: dict[str, Any], where: str, color: str, *, keep_ids: bool) -> dict[str, Any]:
    kind = node.get("tool")
    if kind not in TOOL_TYPES:
        raise validation(f"{where}.tool {kind!r} is not one of {', '.join(sorted(TOOL_TYPES))}")
    given_color = node.get("color")
    if given_color is not None and (
        not isinstance(given_color, str) or not _COLOR.fullmatch(given_color)
    ):
        raise validation(f"{where}.color must be '#rrggbb' or a color name, got {given_color!r}")
    return {
        "tool": kind,
        "name": _name(node, where, "name"),
        "required": _required(node, where),
        "color": given_color or color,
        "classifications": _classifications(
            _list(node, "classifications", where), f"{where}.classifications"
        ),
        **_ids(node, keep=keep_ids),
    }


def normalize_node(
    node: Any, where: str, *, color: str = "#ff0000", keep_root_ids: bool = False
) -> dict[str, Any]:
    """The node in normalized form, with ids on every node; VALIDATION errors name `where`.

    `color` is used for a tool without one. The root's ids are new unless `keep_root_ids`.
    """
    if node_kind(node, where) == "TOOL":
        return _tool(node, where, color, keep_ids=keep_root_ids)
    return _classification(node, where, keep_ids=keep_root_ids)


def node_ids(node: dict[str, Any]) -> Iterator[str]:
    """The featureSchemaId of the node and of every node nested in it."""
    yield node["featureSchemaId"]
    for child in node.get("classifications") or []:
        yield from node_ids(child)
    for child in node.get("options") or []:
        yield from node_ids(child)
