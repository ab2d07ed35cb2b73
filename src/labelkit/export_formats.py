"""Export formats: labelkit NDJSON (as the server streams it), Label Studio JSON and COCO.

Conversions run on the client over the NDJSON stream, row by row, in constant memory: Label
Studio JSON is written as a JSON array one task at a time, and COCO keeps its annotations in
a temporary file until the images are written.

Label Studio keeps coordinates in percent of the image; labelkit keeps whatever numbers it is
given, so a Label Studio import exports back to the same numbers. Boxes, polygons, key
points, text spans and choices/text classifications (at the root, or per region through the
region's id) convert both ways; lines and masks have no Label Studio form here and are left
out of Label Studio exports.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

__all__ = [
    "FORMATS",
    "CocoWriter",
    "LabelStudioOptions",
    "LabelStudioWriter",
    "from_label_studio_results",
    "to_label_studio_results",
    "to_label_studio_task",
]

FORMATS = ("ndjson", "label_studio", "coco")

_REGION_TYPES = {
    "bbox": "rectanglelabels",
    "polygon": "polygonlabels",
    "point": "keypointlabels",
    "location": "labels",
}


@dataclass(frozen=True, slots=True)
class LabelStudioOptions:
    """How labelkit rows map onto a Label Studio labeling config."""

    #: The key of `task["data"]` that holds the row data (an image URL, a text, ...).
    data_key: str = "image"
    #: The control tag that names regions, and the object tag they are drawn on.
    from_name: str = "label"
    to_name: str = "image"


def _classification_result(item: Mapping[str, Any], result_id: str, to_name: str) -> dict[str, Any]:
    answer = item["answer"]
    if isinstance(answer, str):
        # Stored radio answers are objects ({name, feature_schema_id}): a string is text.
        return {"id": result_id, "from_name": item["name"], "to_name": to_name,
                "type": "textarea", "value": {"text": [answer]}}  # fmt: skip
    if isinstance(answer, list):
        choices = [a["name"] if isinstance(a, Mapping) else a for a in answer]
    else:
        choices = [answer["name"]]
    return {"id": result_id, "from_name": item["name"], "to_name": to_name, "type": "choices",
            "value": {"choices": choices}}  # fmt: skip


def to_label_studio_results(
    annotations: Iterable[Mapping[str, Any]], options: LabelStudioOptions
) -> list[dict[str, Any]]:
    """Label Studio `result` entries of a label's (or prediction's) annotations."""
    results: list[dict[str, Any]] = []
    for annotation in annotations:
        result_id = str(annotation.get("uuid") or len(results))
        geometry = next((key for key in _REGION_TYPES if key in annotation), None)
        if geometry is None:
            if "answer" in annotation:
                results.append(_classification_result(annotation, result_id, options.to_name))
            continue
        kind = _REGION_TYPES[geometry]
        value: dict[str, Any]
        shape = annotation[geometry]
        if geometry == "bbox":
            value = {"x": shape["left"], "y": shape["top"], "width": shape["width"],
                     "height": shape["height"], "rotation": 0}  # fmt: skip
        elif geometry == "polygon":
            value = {"points": [[point["x"], point["y"]] for point in shape]}
        elif geometry == "point":
            value = {"x": shape["x"], "y": shape["y"]}
        else:
            value = {"start": shape["start"], "end": shape["end"]}
        value[kind] = [annotation["name"]]
        results.append({"id": result_id, "from_name": options.from_name,
                        "to_name": options.to_name, "type": kind, "value": value})  # fmt: skip
        for nested in annotation.get("classifications") or []:
            results.append(_classification_result(nested, result_id, options.to_name))
    return results


def from_label_studio_results(
    results: Iterable[Mapping[str, Any]], checklists: Collection[str] = ()
) -> list[dict[str, Any]]:
    """labelkit annotations of Label Studio `result` entries; a choices or textarea result
    with a region's id becomes a classification nested in that region. Choices of the
    classifications named in `checklists` stay lists, others become a single answer."""
    regions: dict[str, dict[str, Any]] = {}
    annotations: list[dict[str, Any]] = []
    pending: list[Mapping[str, Any]] = []
    for result in results:
        kind = result.get("type")
        value = result.get("value") or {}
        result_id = str(result.get("id") or "")
        if kind in ("choices", "textarea"):
            pending.append(result)
            continue
        if kind not in _REGION_TYPES.values():
            raise ValueError(f"Label Studio result type {kind!r} is not supported")
        names = value.get(kind) or []
        if len(names) != 1:
            raise ValueError(f"result {result_id!r}: expected exactly one label in {kind}")
        annotation: dict[str, Any] = {"name": names[0]}
        if result_id:
            annotation["uuid"] = result_id
        if kind == "rectanglelabels":
            annotation["bbox"] = {"top": value["y"], "left": value["x"],
                                  "height": value["height"], "width": value["width"]}  # fmt: skip
        elif kind == "polygonlabels":
            annotation["polygon"] = [{"x": x, "y": y} for x, y in value["points"]]
        elif kind == "keypointlabels":
            annotation["point"] = {"x": value["x"], "y": value["y"]}
        else:
            annotation["location"] = {"start": value["start"], "end": value["end"]}
        regions[result_id] = annotation
        annotations.append(annotation)
    for result in pending:
        value = result.get("value") or {}
        if result.get("type") == "textarea":
            texts = value.get("text") or []
            answer: Any = texts[0] if len(texts) == 1 else "\n".join(texts)
        else:
            choices = list(value.get("choices") or [])
            single = len(choices) == 1 and result["from_name"] not in checklists
            answer = choices[0] if single else choices
        item = {"name": result["from_name"], "answer": answer}
        region = regions.get(str(result.get("id") or ""))
        if region is not None:
            region.setdefault("classifications", []).append(item)
        else:
            if result.get("id"):
                item["uuid"] = str(result["id"])
            annotations.append(item)
    return annotations


def _task_id(row: Mapping[str, Any], fallback: int) -> int | str:
    external = row["data_row"].get("external_id")
    if isinstance(external, str) and external.isdigit():
        return int(external)
    return fallback


def to_label_studio_task(
    row: Mapping[str, Any], options: LabelStudioOptions, position: int
) -> dict[str, Any]:
    """A Label Studio task of one exported row: its labels as annotations, its predictions."""
    data_row = row["data_row"]
    annotations = []
    for label in row.get("labels") or []:
        item: dict[str, Any] = {
            "id": label["id"],
            "result": to_label_studio_results(label["annotations"], options),
        }
        seconds = (label.get("performance_details") or {}).get("seconds_to_label")
        if seconds is not None:
            item["lead_time"] = seconds
        annotations.append(item)
    predictions = [
        {
            "id": prediction["id"],
            "model_version": prediction.get("model_version"),
            "score": prediction.get("score"),
            "result": to_label_studio_results(prediction["annotations"], options),
        }
        for prediction in row.get("predictions") or []
    ]
    return {
        "id": _task_id(row, position + 1),
        "data": {options.data_key: data_row["row_data"]},
        "meta": {"data_row_id": data_row["id"], "global_key": data_row.get("global_key")},
        "annotations": annotations,
        "predictions": predictions,
    }


class LabelStudioWriter:
    """Writes a JSON array of Label Studio tasks, one row at a time."""

    def __init__(self, out: IO[bytes], options: LabelStudioOptions | None = None) -> None:
        self.out = out
        self.options = options or LabelStudioOptions()
        self.count = 0
        out.write(b"[")

    def add(self, row: Mapping[str, Any]) -> None:
        task = to_label_studio_task(row, self.options, self.count)
        self.out.write((b",\n" if self.count else b"\n") + json.dumps(task).encode())
        self.count += 1

    def close(self) -> None:
        self.out.write(b"\n]\n")


def _polygon_area(points: list[dict[str, float]]) -> float:
    total = 0.0
    for i, point in enumerate(points):
        following = points[(i + 1) % len(points)]
        total += point["x"] * following["y"] - following["x"] * point["y"]
    return abs(total) / 2


class CocoWriter:
    """Writes COCO object detection JSON (boxes and polygons of labels) in constant memory:
    images go out as rows arrive, annotations wait in a temporary file, categories (one per
    tool name seen) come last."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.images = 0
        self.annotations = 0
        self.categories: dict[str, int] = {}
        # Closed by close(); it outlives this method by design.
        self._pending = tempfile.TemporaryFile()  # noqa: SIM115
        out.write(b'{"info":{"description":"labelkit export"},"images":[')

    def _category(self, name: str) -> int:
        return self.categories.setdefault(name, len(self.categories) + 1)

    def add(self, row: Mapping[str, Any]) -> None:
        data_row = row["data_row"]
        self.images += 1
        image_id = self.images
        image = {"id": image_id, "file_name": data_row["row_data"], "width": None,
                 "height": None, "data_row_id": data_row["id"],
                 "global_key": data_row.get("global_key")}  # fmt: skip
        self.out.write((b"," if image_id > 1 else b"") + json.dumps(image).encode())
        for label in row.get("labels") or []:
            for annotation in label["annotations"]:
                self._annotation(image_id, annotation)

    def _annotation(self, image_id: int, annotation: Mapping[str, Any]) -> None:
        if "bbox" in annotation:
            box = annotation["bbox"]
            bbox = [box["left"], box["top"], box["width"], box["height"]]
            area = box["width"] * box["height"]
            segmentation: list[list[float]] = []
        elif "polygon" in annotation:
            points = annotation["polygon"]
            xs, ys = [p["x"] for p in points], [p["y"] for p in points]
            bbox = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
            area = _polygon_area(points)
            segmentation = [[value for p in points for value in (p["x"], p["y"])]]
        else:
            return
        self.annotations += 1
        item = {"id": self.annotations, "image_id": image_id,
                "category_id": self._category(annotation["name"]), "bbox": bbox, "area": area,
                "segmentation": segmentation, "iscrowd": 0}  # fmt: skip
        self._pending.write((b"," if self.annotations > 1 else b"") + json.dumps(item).encode())

    def close(self) -> None:
        self.out.write(b'],"annotations":[')
        self._pending.seek(0)
        while chunk := self._pending.read(1 << 20):
            self.out.write(chunk)
        self._pending.close()
        categories = [
            {"id": category_id, "name": name, "supercategory": name}
            for name, category_id in self.categories.items()
        ]
        self.out.write(b'],"categories":' + json.dumps(categories).encode() + b"}\n")
