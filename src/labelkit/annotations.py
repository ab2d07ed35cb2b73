"""Annotations: typed models, their NDJSON form, and the one check against an ontology.

An annotation travels as a dict in the NDJSON annotation format of the seeds:

    {"name": "car", "data_row": {"global_key": "img-1"}, "bbox": {"top": 1, "left": 2,
     "height": 30, "width": 40}, "classifications": [{"name": "color", "answer": "red"}]}

with `polygon` / `line` ([{x, y}, ...]), `point` ({x, y}), `mask` ({rle: {size, counts}} or
{url}), `location` (a named entity's {start, end}), `relationship` ({source, target, type},
uuids of annotations of the same label) or, for classifications, `answer` (radio and text: a
string or {name, classifications}; checklist: a list). camelCase keys (`dataRow`,
`globalKey`, `schemaId`, ...) are accepted. The typed models below serialize to it.

`OntologyIndex.check` validates one annotation against a project's ontology (feature names,
tool kinds, classification options, geometry) and returns it normalized. The SDK runs it
before anything is sent; the server runs the same code on every write.
"""

from __future__ import annotations

import math
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeGuard

__all__ = [
    "Annotation",
    "Answer",
    "BoundingBox",
    "Checklist",
    "Mask",
    "NamedEntity",
    "OntologyIndex",
    "Point",
    "Polygon",
    "Polyline",
    "Radio",
    "Relationship",
    "Text",
    "agreement",
    "data_row_ref",
    "to_dict",
    "validate_import_row",
    "validate_label",
]

#: Annotations of one label or prediction.
MAX_ANNOTATIONS = 5000
MAX_TEXT_ANSWER = 10_000

# The geometry key an annotation of each tool kind carries.
TOOL_GEOMETRY = {
    "rectangle": "bbox",
    "polygon": "polygon",
    "line": "line",
    "point": "point",
    "raster-segmentation": "mask",
    "superpixel": "mask",
    "named-entity": "location",
    "edge": "relationship",
}
GEOMETRY_KEYS = frozenset(TOOL_GEOMETRY.values())

_ALIASES = {
    "dataRow": "data_row",
    "schemaId": "feature_schema_id",
    "schema_id": "feature_schema_id",
    "featureSchemaId": "feature_schema_id",
    "boundingBox": "bbox",
    "bounding_box": "bbox",
}
_DATA_ROW_ALIASES = {"globalKey": "global_key", "id": "id", "global_key": "global_key"}
_COMMON_KEYS = frozenset({"name", "uuid", "feature_schema_id", "data_row", "classifications"})


# --- Typed models ------------------------------------------------------------------------------


def _new_uuid() -> str:
    return str(uuid_module.uuid4())


@dataclass(kw_only=True)
class _Base:
    name: str
    uuid: str = field(default_factory=_new_uuid)

    geometry_key: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(kw_only=True)
class Answer:
    """An option of a radio or checklist classification, with nested classifications."""

    name: str
    classifications: list[Radio | Checklist | Text] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any] | str:
        if not self.classifications:
            return self.name
        return {"name": self.name, "classifications": [c.to_dict() for c in self.classifications]}


@dataclass(kw_only=True)
class _Tool(_Base):
    classifications: list[Radio | Checklist | Text] = field(default_factory=list)

    def _with(self, geometry: Any) -> dict[str, Any]:
        data: dict[str, Any] = {"uuid": self.uuid, "name": self.name, self.geometry_key: geometry}
        if self.classifications:
            data["classifications"] = [c.to_dict() for c in self.classifications]
        return data


@dataclass(kw_only=True)
class BoundingBox(_Tool):
    top: float
    left: float
    height: float
    width: float
    geometry_key: ClassVar[str] = "bbox"

    def to_dict(self) -> dict[str, Any]:
        box = {"top": self.top, "left": self.left, "height": self.height, "width": self.width}
        return self._with(box)


@dataclass(kw_only=True)
class Polygon(_Tool):
    points: list[tuple[float, float]]
    geometry_key: ClassVar[str] = "polygon"

    def to_dict(self) -> dict[str, Any]:
        return self._with([{"x": x, "y": y} for x, y in self.points])


@dataclass(kw_only=True)
class Polyline(_Tool):
    points: list[tuple[float, float]]
    geometry_key: ClassVar[str] = "line"

    def to_dict(self) -> dict[str, Any]:
        return self._with([{"x": x, "y": y} for x, y in self.points])


@dataclass(kw_only=True)
class Point(_Tool):
    x: float
    y: float
    geometry_key: ClassVar[str] = "point"

    def to_dict(self) -> dict[str, Any]:
        return self._with({"x": self.x, "y": self.y})


@dataclass(kw_only=True)
class Mask(_Tool):
    """A segmentation mask: COCO-style RLE (`{"size": [h, w], "counts": [...]}`) or a PNG URL."""

    rle: dict[str, Any] | None = None
    url: str | None = None
    geometry_key: ClassVar[str] = "mask"

    def to_dict(self) -> dict[str, Any]:
        return self._with({"rle": self.rle} if self.rle is not None else {"url": self.url})


@dataclass(kw_only=True)
class NamedEntity(_Tool):
    """A text span: character offsets, `end` exclusive."""

    start: int
    end: int
    geometry_key: ClassVar[str] = "location"

    def to_dict(self) -> dict[str, Any]:
        return self._with({"start": self.start, "end": self.end})


@dataclass(kw_only=True)
class Relationship(_Base):
    """A directed (or bidirectional) link between two annotations of the same label."""

    source: str | _Base
    target: str | _Base
    type: str = "unidirectional"
    geometry_key: ClassVar[str] = "relationship"

    def to_dict(self) -> dict[str, Any]:
        source = self.source.uuid if isinstance(self.source, _Base) else self.source
        target = self.target.uuid if isinstance(self.target, _Base) else self.target
        return {
            "uuid": self.uuid,
            "name": self.name,
            "relationship": {"source": source, "target": target, "type": self.type},
        }


@dataclass(kw_only=True)
class Radio(_Base):
    answer: str | Answer

    def to_dict(self) -> dict[str, Any]:
        answer = self.answer.to_dict() if isinstance(self.answer, Answer) else self.answer
        return {"uuid": self.uuid, "name": self.name, "answer": answer}


@dataclass(kw_only=True)
class Checklist(_Base):
    answers: list[str | Answer]

    def to_dict(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "name": self.name,
            "answer": [a.to_dict() if isinstance(a, Answer) else a for a in self.answers],
        }


@dataclass(kw_only=True)
class Text(_Base):
    answer: str

    def to_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "name": self.name, "answer": self.answer}


Annotation = (
    BoundingBox
    | Polygon
    | Polyline
    | Point
    | Mask
    | NamedEntity
    | Relationship
    | Radio
    | Checklist
    | Text
)


def to_dict(annotation: Annotation | Mapping[str, Any]) -> dict[str, Any]:
    """A typed annotation as its NDJSON dict; a dict is returned as a (shallow) copy."""
    if isinstance(annotation, _Base):
        return annotation.to_dict()
    if _mapping(annotation):
        return dict(annotation)
    raise TypeError(
        f"an annotation must be a dict or a typed model, got {type(annotation).__name__}"
    )


# --- Ontology index and checks -----------------------------------------------------------------


class _Invalid(Exception):
    """One problem with one annotation; its message names the annotation's part."""


@dataclass(slots=True)
class _Option:
    value: str
    feature_schema_id: str | None
    classifications: dict[str, _Feature]


@dataclass(slots=True)
class _Feature:
    name: str
    kind: str  # a tool type ("rectangle", ...) or a classification type ("radio", ...)
    feature_schema_id: str | None
    classifications: dict[str, _Feature]
    options: dict[str, _Option]

    @property
    def is_tool(self) -> bool:
        return self.kind in TOOL_GEOMETRY


def _classification_nodes(nodes: Iterable[Mapping[str, Any]]) -> dict[str, _Feature]:
    features = {}
    for node in nodes:
        name = str(node.get("name") or node.get("instructions"))
        options = {
            str(option["value"]): _Option(
                str(option["value"]),
                option.get("featureSchemaId"),
                _classification_nodes(option.get("options") or []),
            )
            for option in node.get("options") or []
        }
        features[name] = _Feature(name, str(node["type"]), node.get("featureSchemaId"), {}, options)
    return features


class OntologyIndex:
    """The features of an ontology by name, for checking annotations against it.

    Built from the normalized ontology (`{"tools": [...], "classifications": [...]}`, as
    `Ontology.normalized` and `OntologyBuilder.to_dict()` give it).
    """

    def __init__(self, normalized: Mapping[str, Any]) -> None:
        self.tools: dict[str, _Feature] = {}
        for node in normalized.get("tools") or []:
            name = str(node["name"])
            self.tools[name] = _Feature(
                name,
                str(node["tool"]),
                node.get("featureSchemaId"),
                _classification_nodes(node.get("classifications") or []),
                {},
            )
        self.classifications = _classification_nodes(normalized.get("classifications") or [])
        self._by_id = {
            f.feature_schema_id: f
            for f in (*self.tools.values(), *self.classifications.values())
            if f.feature_schema_id
        }

    def names_of_kind(self, kind: str) -> set[str]:
        """Names of the classifications (root or nested) of one kind, e.g. "checklist"."""
        names: set[str] = set()

        def walk(features: Iterable[_Feature]) -> None:
            for feature in features:
                if feature.kind == kind:
                    names.add(feature.name)
                walk(feature.classifications.values())
                for option in feature.options.values():
                    walk(option.classifications.values())

        walk([*self.tools.values(), *self.classifications.values()])
        return names

    def check(self, raw: Any) -> tuple[dict[str, Any] | None, str | None]:
        """(the annotation normalized, None), or (None, the reason it is invalid).

        Normalized: snake_case keys, a `uuid` (made when missing), `feature_schema_id` on the
        annotation and on every answer; `data_row` is kept as given.
        """
        try:
            return self._check(raw), None
        except _Invalid as problem:
            return None, str(problem)

    def check_label(self, annotations: Any) -> tuple[list[dict[str, Any]] | None, str | None]:
        """Checks the annotations of one label together: each one, then that relationships
        point at annotations of the same label. The reason names the annotation's index."""
        if not isinstance(annotations, list):
            return None, "annotations must be a JSON array"
        if len(annotations) > MAX_ANNOTATIONS:
            return None, f"at most {MAX_ANNOTATIONS} annotations per label, got {len(annotations)}"
        checked = []
        for index, raw in enumerate(annotations):
            annotation, reason = self.check(raw)
            if annotation is None:
                return None, f"annotations[{index}] ({_label_of(raw)}): {reason}"
            checked.append(annotation)
        uuids = [a["uuid"] for a in checked]
        if len(set(uuids)) != len(uuids):
            return None, "annotations: a uuid is used twice"
        known = set(uuids)
        for index, annotation in enumerate(checked):
            link = annotation.get("relationship")
            if link is not None:
                for end in ("source", "target"):
                    if link[end] not in known:
                        return None, (
                            f"annotations[{index}] ({_label_of(annotation)}): relationship.{end} "
                            f"{link[end]!r} is not the uuid of an annotation of this label"
                        )
        return checked, None

    def _check(self, raw: Any) -> dict[str, Any]:
        if not _mapping(raw):
            raise _Invalid(f"must be an object, got {_json_type(raw)}")
        data = _snake(raw)
        geometry = [key for key in GEOMETRY_KEYS if key in data]
        if len(geometry) > 1:
            raise _Invalid(f"has several geometries ({', '.join(sorted(geometry))}); give one")
        if geometry:
            return self._check_tool(data, geometry[0])
        if "answer" in data:
            return self._check_root_classification(data)
        raise _Invalid(
            "has no geometry (bbox, polygon, line, point, mask, location, relationship) "
            "and no answer"
        )

    def _feature(
        self, data: Mapping[str, Any], features: dict[str, _Feature], what: str
    ) -> _Feature:
        schema_id = data.get("feature_schema_id")
        name = data.get("name")
        if name is None and schema_id is not None:
            feature = self._by_id.get(schema_id)
            if feature is None or features.get(feature.name) is not feature:
                raise _Invalid(f"unknown feature schema id {schema_id!r}")
            return feature
        if not isinstance(name, str) or not name:
            raise _Invalid("needs a name (the feature's name in the ontology)")
        feature = features.get(name)
        if feature is None:
            known = ", ".join(sorted(features)) or "none"
            raise _Invalid(f"unknown {what} {name!r} (the ontology has: {known})")
        return feature

    def _check_tool(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        name = data.get("name")
        if name is not None and name not in self.tools and name in self.classifications:
            raise _Invalid(f"{data['name']!r} is a classification; it takes an answer, not {key}")
        feature = self._feature(data, self.tools, "tool")
        expected = TOOL_GEOMETRY[feature.kind]
        if key != expected:
            raise _Invalid(
                f"wrong tool kind: {feature.name!r} is a {feature.kind} tool, which takes "
                f"{expected}, not {key}"
            )
        unknown = set(data) - _COMMON_KEYS - {key}
        if unknown:
            raise _Invalid(f"unknown field(s) {sorted(unknown)}")
        out: dict[str, Any] = {
            "uuid": _uuid(data),
            "name": feature.name,
            "feature_schema_id": feature.feature_schema_id,
            key: _GEOMETRY_CHECKS[key](data[key]),
        }
        nested = data.get("classifications")
        if nested is not None:
            out["classifications"] = self._nested(
                nested, feature.classifications, "classifications"
            )
        if "data_row" in data:
            out["data_row"] = data["data_row"]
        return out

    def _check_root_classification(self, data: dict[str, Any]) -> dict[str, Any]:
        name = data.get("name")
        if name is not None and name not in self.classifications and name in self.tools:
            tool = self.tools[name]
            raise _Invalid(
                f"wrong tool kind: {name!r} is a {tool.kind} tool, which takes "
                f"{TOOL_GEOMETRY[tool.kind]}, not an answer"
            )
        feature = self._feature(data, self.classifications, "classification")
        unknown = set(data) - _COMMON_KEYS - {"answer"}
        if unknown:
            raise _Invalid(f"unknown field(s) {sorted(unknown)}")
        if data.get("classifications"):
            raise _Invalid("a classification nests classifications in its answer, not beside it")
        out = {"uuid": _uuid(data), **self._classification(feature, data["answer"], "answer")}
        if "data_row" in data:
            out["data_row"] = data["data_row"]
        return out

    def _nested(
        self, items: Any, features: dict[str, _Feature], where: str
    ) -> list[dict[str, Any]]:
        if not isinstance(items, list):
            raise _Invalid(f"{where} must be a list")
        out = []
        seen: set[str] = set()
        for index, item in enumerate(items):
            at = f"{where}[{index}]"
            if not _mapping(item):
                raise _Invalid(f"{at} must be an object")
            data = _snake(item)
            try:
                feature = self._feature(data, features, "nested classification")
            except _Invalid as problem:
                raise _Invalid(f"{at}: {problem}") from None
            if feature.name in seen:
                raise _Invalid(f"{at}: {feature.name!r} is answered twice")
            seen.add(feature.name)
            if "answer" not in data:
                raise _Invalid(f"{at} ({feature.name!r}) needs an answer")
            unknown = set(data) - {"name", "feature_schema_id", "answer", "uuid"}
            if unknown:
                raise _Invalid(f"{at}: unknown field(s) {sorted(unknown)}")
            out.append(self._classification(feature, data["answer"], f"{at}.answer"))
        return out

    def _classification(self, feature: _Feature, answer: Any, where: str) -> dict[str, Any]:
        head = {"name": feature.name, "feature_schema_id": feature.feature_schema_id}
        if feature.kind == "text":
            if not isinstance(answer, str):
                raise _Invalid(f"{where}: {feature.name!r} is a text classification; "
                               f"its answer is a string, got {_json_type(answer)}")  # fmt: skip
            if len(answer) > MAX_TEXT_ANSWER:
                raise _Invalid(f"{where}: at most {MAX_TEXT_ANSWER} characters")
            return {**head, "answer": answer}
        if feature.kind == "radio":
            if isinstance(answer, list):
                raise _Invalid(f"{where}: {feature.name!r} is a radio classification; "
                               "give one answer, not a list")  # fmt: skip
            return {**head, "answer": self._option(feature, answer, where)}
        if not isinstance(answer, list) or not answer:
            raise _Invalid(f"{where}: {feature.name!r} is a checklist classification; "
                           "its answer is a non-empty list")  # fmt: skip
        options = [self._option(feature, a, f"{where}[{i}]") for i, a in enumerate(answer)]
        names = [option["name"] for option in options]
        if len(set(names)) != len(names):
            raise _Invalid(f"{where}: an option is chosen twice")
        return {**head, "answer": options}

    def _option(self, feature: _Feature, answer: Any, where: str) -> dict[str, Any]:
        if isinstance(answer, str):
            data: Mapping[str, Any] = {"name": answer}
        elif _mapping(answer):
            data = _snake(answer)
        else:
            raise _Invalid(f"{where}: an option is a string or {{name}}, got {_json_type(answer)}")
        name = data.get("name", data.get("value"))
        option = feature.options.get(name) if isinstance(name, str) else None
        if option is None:
            choices = ", ".join(feature.options)
            raise _Invalid(f"{where}: {name!r} is not an option of {feature.name!r} ({choices})")
        out: dict[str, Any] = {"name": option.value, "feature_schema_id": option.feature_schema_id}
        nested = data.get("classifications")
        if nested:
            out["classifications"] = self._nested(
                nested, option.classifications, f"{where}.classifications"
            )
        return out


def _mapping(value: Any) -> TypeGuard[Mapping[Any, Any]]:
    # Plain dicts first: an ABC isinstance check costs several times more.
    return type(value) is dict or isinstance(value, Mapping)


def _snake(data: Mapping[Any, Any]) -> dict[str, Any]:
    """The keys in snake_case: camelCase spellings of the format are accepted."""
    return {_ALIASES.get(str(key), str(key)): value for key, value in data.items()}


def _label_of(raw: Any) -> str:
    if _mapping(raw):
        name = raw.get("name")
        return f"name {name!r}" if name is not None else "no name"
    return "not an object"


def _uuid(data: Mapping[str, Any]) -> str:
    value = data.get("uuid")
    if value is None:
        return _new_uuid()
    if not isinstance(value, str) or not 0 < len(value) <= 64:
        raise _Invalid("uuid must be a string of 1 to 64 characters")
    return value


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if _mapping(value) else type(value).__name__


def _number(value: Any, where: str) -> float:
    kind = type(value)
    if kind is int or (kind is float and math.isfinite(value)):
        return value  # type: ignore[no-any-return]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Invalid(f"bad geometry: {where} must be a finite number, got {value!r}")
    return value


def _bbox(value: Any) -> dict[str, float]:
    if not _mapping(value):
        raise _Invalid("bad geometry: bbox must be an object {top, left, height, width}")
    missing = [key for key in ("top", "left", "height", "width") if key not in value]
    if missing:
        raise _Invalid(f"bad geometry: bbox needs {', '.join(missing)}")
    box = {key: _number(value[key], f"bbox.{key}") for key in ("top", "left", "height", "width")}
    for key in ("height", "width"):
        if box[key] <= 0:
            raise _Invalid(f"bad geometry: bbox.{key} must be > 0, got {box[key]}")
    for key in ("top", "left"):
        if box[key] < 0:
            raise _Invalid(f"bad geometry: bbox.{key} must be >= 0, got {box[key]}")
    return box


def _xy(value: Any, where: str) -> dict[str, float]:
    if not _mapping(value) or "x" not in value or "y" not in value:
        raise _Invalid(f"bad geometry: {where} must be an object {{x, y}}")
    return {"x": _number(value["x"], f"{where}.x"), "y": _number(value["y"], f"{where}.y")}


def _points(value: Any, key: str, minimum: int) -> list[dict[str, float]]:
    if not isinstance(value, list) or len(value) < minimum:
        raise _Invalid(f"bad geometry: {key} must be a list of at least {minimum} points {{x, y}}")
    return [_xy(point, f"{key}[{i}]") for i, point in enumerate(value)]


def _mask(value: Any) -> dict[str, Any]:
    if not _mapping(value) or ("rle" in value) == ("url" in value):
        raise _Invalid("bad geometry: mask must be {rle: {size, counts}} or {url}")
    if "url" in value:
        url = value["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise _Invalid("bad geometry: mask.url must be an http(s) URL of a PNG")
        return {"url": url}
    rle = value["rle"]
    size = rle.get("size") if _mapping(rle) else None
    counts = rle.get("counts") if _mapping(rle) else None
    if not (
        isinstance(size, list)
        and len(size) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in size)
    ):
        raise _Invalid("bad geometry: mask.rle.size must be [height, width], positive integers")
    if isinstance(counts, list):
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
            raise _Invalid("bad geometry: mask.rle.counts must be non-negative integers")
        if sum(counts) != size[0] * size[1]:
            raise _Invalid(
                f"bad geometry: mask.rle.counts add up to {sum(counts)}, "
                f"not height * width = {size[0] * size[1]}"
            )
    elif not isinstance(counts, str) or not counts:
        raise _Invalid("bad geometry: mask.rle.counts must be a list of run lengths or a string")
    return {"rle": {"size": list(size), "counts": counts}}


def _location(value: Any) -> dict[str, int]:
    if not _mapping(value):
        raise _Invalid("bad geometry: location must be an object {start, end}")
    start, end = value.get("start"), value.get("end")
    for key, number in (("start", start), ("end", end)):
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise _Invalid(f"bad geometry: location.{key} must be an integer >= 0")
    assert isinstance(start, int) and isinstance(end, int)
    if end <= start:
        raise _Invalid(f"bad geometry: location.end ({end}) must be after start ({start})")
    return {"start": start, "end": end}


def _relationship(value: Any) -> dict[str, str]:
    if not _mapping(value):
        raise _Invalid("relationship must be an object {source, target, type}")
    source, target = value.get("source"), value.get("target")
    kind = value.get("type", "unidirectional")
    if not isinstance(source, str) or not isinstance(target, str):
        raise _Invalid("relationship.source and .target must be uuids of annotations")
    if source == target:
        raise _Invalid("relationship.source and .target must differ")
    if kind not in ("unidirectional", "bidirectional"):
        raise _Invalid("relationship.type must be 'unidirectional' or 'bidirectional'")
    return {"source": source, "target": target, "type": kind}


_GEOMETRY_CHECKS: dict[str, Any] = {
    "bbox": _bbox,
    "polygon": lambda value: _points(value, "polygon", 3),
    "line": lambda value: _points(value, "line", 2),
    "point": lambda value: _xy(value, "point"),
    "mask": _mask,
    "location": _location,
    "relationship": _relationship,
}


def data_row_ref(raw: Mapping[str, Any]) -> tuple[str, str] | str:
    """("id" | "global_key", value) of an import row's data row, or the reason it has none."""
    ref = raw.get("data_row", raw.get("dataRow"))
    if not _mapping(ref):
        return "needs data_row: {id} or {global_key}"
    given = {
        _DATA_ROW_ALIASES[key]: value for key, value in ref.items() if key in _DATA_ROW_ALIASES
    }
    if len(given) != 1 or len(ref) != 1:
        return "data_row must have exactly one of id and global_key"
    ((kind, value),) = given.items()
    if not isinstance(value, str) or not value:
        return f"data_row.{kind} must be a non-empty string"
    return kind, value


# --- Agreement ---------------------------------------------------------------------------------


def _box_of(annotation: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of a box, or of the extent of a polygon, line or point."""
    if "bbox" in annotation:
        box = annotation["bbox"]
        return box["left"], box["top"], box["left"] + box["width"], box["top"] + box["height"]
    points = annotation.get("polygon") or annotation.get("line")
    if points:
        xs = [p["x"] for p in points]
        ys = [p["y"] for p in points]
        return min(xs), min(ys), max(xs), max(ys)
    if "point" in annotation:
        x, y = annotation["point"]["x"], annotation["point"]["y"]
        return x - 0.5, y - 0.5, x + 0.5, y + 0.5
    if "location" in annotation:
        start, end = annotation["location"]["start"], annotation["location"]["end"]
        return start, 0.0, end, 1.0
    return None


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return 0.0
    inter = width * height
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _answer_key(annotation: Mapping[str, Any]) -> Any:
    answer = annotation.get("answer")
    if isinstance(answer, list):
        return frozenset(a["name"] if _mapping(a) else a for a in answer)
    return answer["name"] if _mapping(answer) else answer


def _feature_score(a: list[Mapping[str, Any]], b: list[Mapping[str, Any]]) -> float:
    if not a or not b:
        return 0.0
    if "answer" in a[0]:
        return 1.0 if _answer_key(a[0]) == _answer_key(b[0]) else 0.0
    boxes_a = [box for box in map(_box_of, a) if box is not None]
    boxes_b = [box for box in map(_box_of, b) if box is not None]
    if len(boxes_a) != len(a) or len(boxes_b) != len(b):
        # Masks and relationships: only their number is compared.
        return min(len(a), len(b)) / max(len(a), len(b))
    # Greedy matching by IoU; unmatched instances count as 0.
    pairs = sorted(
        ((_iou(x, y), i, j) for i, x in enumerate(boxes_a) for j, y in enumerate(boxes_b)),
        reverse=True,
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    total = 0.0
    for score, i, j in pairs:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            total += score
    return total / max(len(a), len(b))


def agreement(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> float:
    """How much two labels agree, 0..1: the mean over the features either uses of a score
    per feature (answers: equal or not; geometry: IoU of greedily matched instances, by
    extent for polygons, lines and points). Two empty labels agree fully."""
    by_name_a: dict[str, list[Mapping[str, Any]]] = {}
    by_name_b: dict[str, list[Mapping[str, Any]]] = {}
    for annotation in a:
        by_name_a.setdefault(str(annotation.get("name")), []).append(annotation)
    for annotation in b:
        by_name_b.setdefault(str(annotation.get("name")), []).append(annotation)
    names = by_name_a.keys() | by_name_b.keys()
    if not names:
        return 1.0
    scores = [_feature_score(by_name_a.get(n, []), by_name_b.get(n, [])) for n in names]
    return sum(scores) / len(scores)


# --- Client-side checks: the typed error names the row and the annotation ----------------------


def validate_label(
    ontology: OntologyIndex, annotations: Sequence[Any], *, row: int | None = None
) -> list[dict[str, Any]]:
    """The annotations of one label as dicts, checked; `AnnotationValidationError` otherwise."""
    from .errors import AnnotationValidationError

    items = [to_dict(annotation) for annotation in annotations]
    for index, item in enumerate(items):
        _, reason = ontology.check(item)
        if reason is not None:
            raise AnnotationValidationError(
                reason, row=row, annotation=f"{index} ({_label_of(item)})"
            )
    checked, reason = ontology.check_label(items)
    if checked is None:
        raise AnnotationValidationError(str(reason), row=row, annotation=None)
    return items


def validate_import_row(ontology: OntologyIndex, raw: Any, *, row: int) -> None:
    """Checks one row of an annotation import: its data row reference and the annotation."""
    from .errors import AnnotationValidationError

    if not _mapping(raw):
        raise AnnotationValidationError(
            f"must be an object, got {_json_type(raw)}", row=row, annotation=None
        )
    ref = data_row_ref(raw)
    if isinstance(ref, str):
        raise AnnotationValidationError(ref, row=row, annotation=_label_of(raw))
    _, reason = ontology.check(raw)
    if reason is not None:
        raise AnnotationValidationError(reason, row=row, annotation=_label_of(raw))
