"""`OntologyBuilder`, `Tool`, `Classification` and `Option`: ontologies written in Python.

`to_dict()` gives the normalized JSON that `client.ontologies.create` and
`client.feature_schemas.create` take, and `from_dict()` reads it back, e.g. from
`ontology.normalized`:

```python
builder = OntologyBuilder(
    tools=[Tool(tool=Tool.Type.BBOX, name="car", classifications=[
        Classification(class_type=Classification.Type.RADIO, name="color",
                       options=[Option(value="red"), Option(value="blue")]),
    ])],
    classifications=[Classification(class_type=Classification.Type.TEXT, name="notes")],
)
ontology = await client.ontologies.create("vehicles", builder, media_type="image")
assert OntologyBuilder.from_dict(ontology.normalized).to_dict() == ontology.normalized
```
"""

from __future__ import annotations

import colorsys
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

__all__ = ["Classification", "OntologyBuilder", "Option", "Tool"]


def _default_color(index: int, count: int) -> str:
    """Evenly spread hues; the server picks the same ones for tools without a color."""
    red, green, blue = colorsys.hsv_to_rgb(index / max(count, 1), 1, 1)
    return f"#{int(255 * red):02x}{int(255 * green):02x}{int(255 * blue):02x}"


def _check_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValueError(f"duplicate {what} {name!r}")
        seen.add(name)


def _ids(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"schema_id": data.get("schemaNodeId"), "feature_schema_id": data.get("featureSchemaId")}


@dataclass
class Option:
    """An answer of a radio or checklist classification; may nest classifications."""

    value: str
    label: str | None = None
    options: list[Classification] = field(default_factory=list)
    schema_id: str | None = None
    feature_schema_id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.value, str) or not self.value.strip():
            raise ValueError("Option.value must be a non-empty string")
        _check_unique(
            [str(c.name) for c in self.options], f"classification under option {self.value!r}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label if self.label is not None else self.value,
            "options": [classification.to_dict() for classification in self.options],
            "schemaNodeId": self.schema_id,
            "featureSchemaId": self.feature_schema_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Option:
        return cls(
            value=data["value"],
            label=data.get("label"),
            options=[Classification.from_dict(c) for c in data.get("options") or []],
            **_ids(data),
        )


@dataclass
class Classification:
    """A question: RADIO (one option), CHECKLIST (several) or TEXT (free text).

    `name` may also be given as `instructions`, as older ontologies call it.
    """

    class Type(Enum):
        TEXT = "text"
        CHECKLIST = "checklist"
        RADIO = "radio"

    class_type: Classification.Type
    name: str | None = None
    instructions: str | None = None
    required: bool = False
    options: list[Option] = field(default_factory=list)
    schema_id: str | None = None
    feature_schema_id: str | None = None

    def __post_init__(self) -> None:
        self.class_type = Classification.Type(self.class_type)
        self.name = self.name if self.name is not None else self.instructions
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("Classification needs a name (or instructions)")
        self.instructions = self.name
        if self.class_type is Classification.Type.TEXT and self.options:
            raise ValueError(f"TEXT classification {self.name!r} can't have options")
        _check_unique([o.value for o in self.options], f"option of {self.name!r}")

    def add_option(self, option: Option) -> None:
        _check_unique([*(o.value for o in self.options), option.value], f"option of {self.name!r}")
        self.options.append(option)

    def to_dict(self) -> dict[str, Any]:
        if self.class_type is not Classification.Type.TEXT and not self.options:
            raise ValueError(f"{self.class_type.name} classification {self.name!r} needs options")
        return {
            "type": self.class_type.value,
            "name": self.name,
            "instructions": self.name,
            "required": self.required,
            "options": [option.to_dict() for option in self.options],
            "schemaNodeId": self.schema_id,
            "featureSchemaId": self.feature_schema_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Classification:
        return cls(
            class_type=Classification.Type(data["type"]),
            name=data.get("name") or data.get("instructions"),
            required=bool(data.get("required", False)),
            options=[Option.from_dict(o) for o in data.get("options") or []],
            **_ids(data),
        )


@dataclass
class Tool:
    """An annotation tool, with optional nested classifications."""

    class Type(Enum):
        BBOX = "rectangle"
        BOUNDING_BOX = "rectangle"
        POLYGON = "polygon"
        LINE = "line"
        POLYLINE = "line"
        POINT = "point"
        SEGMENTATION = "superpixel"
        RASTER_SEGMENTATION = "raster-segmentation"
        NER = "named-entity"
        NAMED_ENTITY = "named-entity"
        RELATIONSHIP = "edge"

    tool: Tool.Type
    name: str
    required: bool = False
    color: str | None = None
    classifications: list[Classification] = field(default_factory=list)
    schema_id: str | None = None
    feature_schema_id: str | None = None

    def __post_init__(self) -> None:
        self.tool = Tool.Type(self.tool)
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError("Tool.name must be a non-empty string")
        _check_unique(
            [c.name for c in self.classifications if c.name], f"classification of {self.name!r}"
        )

    def add_classification(self, classification: Classification) -> None:
        _check_unique(
            [*(c.name for c in self.classifications if c.name), str(classification.name)],
            f"classification of {self.name!r}",
        )
        self.classifications.append(classification)

    def to_dict(self, *, default_color: str = "#ff0000") -> dict[str, Any]:
        return {
            "tool": self.tool.value,
            "name": self.name,
            "required": self.required,
            "color": self.color if self.color is not None else default_color,
            "classifications": [c.to_dict() for c in self.classifications],
            "schemaNodeId": self.schema_id,
            "featureSchemaId": self.feature_schema_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tool:
        return cls(
            tool=Tool.Type(data["tool"]),
            name=data["name"],
            required=bool(data.get("required", False)),
            color=data.get("color"),
            classifications=[
                Classification.from_dict(c) for c in data.get("classifications") or []
            ],
            **_ids(data),
        )


@dataclass
class OntologyBuilder:
    """The tools and classifications of an ontology, in order."""

    tools: list[Tool] = field(default_factory=list)
    classifications: list[Classification] = field(default_factory=list)

    def __post_init__(self) -> None:
        _check_unique([t.name for t in self.tools], "tool name")
        _check_unique([str(c.name) for c in self.classifications], "classification name")

    def add_tool(self, tool: Tool) -> None:
        _check_unique([*(t.name for t in self.tools), tool.name], "tool name")
        self.tools.append(tool)

    def add_classification(self, classification: Classification) -> None:
        _check_unique(
            [*(str(c.name) for c in self.classifications), str(classification.name)],
            "classification name",
        )
        self.classifications.append(classification)

    def to_dict(self) -> dict[str, Any]:
        """The normalized ontology; tools without a color get evenly spread hues."""
        count = len(self.tools)
        return {
            "tools": [
                tool.to_dict(default_color=_default_color(index, count))
                for index, tool in enumerate(self.tools)
            ],
            "classifications": [c.to_dict() for c in self.classifications],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OntologyBuilder:
        return cls(
            tools=[Tool.from_dict(t) for t in data.get("tools") or []],
            classifications=[
                Classification.from_dict(c) for c in data.get("classifications") or []
            ],
        )
