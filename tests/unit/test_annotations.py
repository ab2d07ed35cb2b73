"""Client-side annotation models, the ontology check, export params and filters, formats, and
snapshot waiting: no server involved."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

import labelkit
from labelkit.annotations import (
    Answer,
    BoundingBox,
    Checklist,
    Mask,
    NamedEntity,
    OntologyIndex,
    Point,
    Polygon,
    Polyline,
    Radio,
    Relationship,
    Text,
    agreement,
    validate_import_row,
    validate_label,
)
from labelkit.export_formats import (
    CocoWriter,
    LabelStudioOptions,
    LabelStudioWriter,
    from_label_studio_results,
    to_label_studio_results,
)
from labelkit.resources.exports import parse_filters, parse_params
from labelkit.types import WorkflowStatus

from ._helpers import URL, ok
from .test_streaming import BreakingStream

ONTOLOGY = labelkit.OntologyBuilder(
    tools=[
        labelkit.Tool(
            tool=labelkit.Tool.Type.BBOX,
            name="car",
            classifications=[
                labelkit.Classification(
                    class_type=labelkit.Classification.Type.CHECKLIST,
                    name="parts",
                    options=[labelkit.Option(value="door"), labelkit.Option(value="roof")],
                )
            ],
        ),
        labelkit.Tool(tool=labelkit.Tool.Type.POLYGON, name="road"),
        labelkit.Tool(tool=labelkit.Tool.Type.LINE, name="lane"),
        labelkit.Tool(tool=labelkit.Tool.Type.POINT, name="wheel"),
        labelkit.Tool(tool=labelkit.Tool.Type.RASTER_SEGMENTATION, name="sky"),
        labelkit.Tool(tool=labelkit.Tool.Type.NER, name="person"),
        labelkit.Tool(tool=labelkit.Tool.Type.RELATIONSHIP, name="near"),
    ],
    classifications=[
        labelkit.Classification(
            class_type=labelkit.Classification.Type.RADIO,
            name="weather",
            options=[labelkit.Option(value="rain"), labelkit.Option(value="sun")],
        ),
        labelkit.Classification(class_type=labelkit.Classification.Type.TEXT, name="notes"),
    ],
).to_dict()


@pytest.fixture
def index() -> OntologyIndex:
    return OntologyIndex(ONTOLOGY)


def test_typed_models_serialize_to_the_ndjson_format(index: OntologyIndex) -> None:
    box = BoundingBox(name="car", top=1, left=2, height=3, width=4, uuid="b",
                      classifications=[Checklist(name="parts", answers=["door", Answer(name="roof")])])  # fmt: skip
    wheel = Point(name="wheel", x=1, y=2, uuid="w")
    items = [
        box,
        wheel,
        Polygon(name="road", points=[(0, 0), (1, 0), (1, 1)]),
        Polyline(name="lane", points=[(0, 0), (2, 2)]),
        Mask(name="sky", rle={"size": [1, 2], "counts": [1, 1]}),
        Mask(name="sky", url="https://example.com/sky.png"),
        NamedEntity(name="person", start=0, end=3),
        Relationship(name="near", source=box, target=wheel),
        Radio(name="weather", answer="rain"),
        Text(name="notes", answer="fine"),
    ]
    dicts = validate_label(index, items)
    assert dicts[0] == {"uuid": "b", "name": "car", "bbox": {"top": 1, "left": 2, "height": 3, "width": 4},
                        "classifications": [{"uuid": dicts[0]["classifications"][0]["uuid"], "name": "parts",
                                             "answer": ["door", "roof"]}]}  # fmt: skip
    assert dicts[7]["relationship"] == {"source": "b", "target": "w", "type": "unidirectional"}
    assert dicts[4]["mask"] == {"rle": {"size": [1, 2], "counts": [1, 1]}}
    assert dicts[5]["mask"] == {"url": "https://example.com/sky.png"}
    assert len({d["uuid"] for d in dicts}) == len(dicts)


def test_check_normalizes_camel_case_and_adds_ids(index: OntologyIndex) -> None:
    checked, reason = index.check(
        {
            "name": "car",
            "boundingBox": {"top": 0, "left": 0, "height": 1, "width": 1},
            "dataRow": {"globalKey": "k"},
        }
    )
    assert reason is None and checked is not None
    assert checked["bbox"] == {"top": 0, "left": 0, "height": 1, "width": 1}
    assert checked["feature_schema_id"] is None  # the builder's dict has no ids yet
    assert checked["data_row"] == {"globalKey": "k"} and checked["uuid"]


@pytest.mark.parametrize(
    ("annotation", "reason"),
    [
        ({"name": "bus", "point": {"x": 0, "y": 0}}, "unknown tool 'bus'"),
        ({"name": "fog", "answer": "x"}, "unknown classification 'fog'"),
        (
            {"name": "road", "bbox": {"top": 0, "left": 0, "height": 1, "width": 1}},
            "wrong tool kind",
        ),
        ({"name": "weather", "point": {"x": 1, "y": 1}}, "is a classification"),
        ({"name": "car", "bbox": [1, 2, 3, 4]}, "bbox must be an object"),
        (
            {"name": "car", "bbox": {"top": 0, "left": 0, "height": 1, "width": float("nan")}},
            "finite number",
        ),
        (
            {"name": "car", "bbox": {"top": True, "left": 0, "height": 1, "width": 1}},
            "finite number",
        ),
        ({"name": "road", "polygon": "0,0 1,1 2,2"}, "at least 3 points"),
        ({"name": "lane", "line": [{"x": 0, "y": 0}, {"y": 1}]}, "line[1] must be an object"),
        ({"name": "sky", "mask": {"rle": {"size": [0, 2], "counts": []}}}, "positive integers"),
        ({"name": "sky", "mask": {"rle": {"size": [1, 2], "counts": [-1, 3]}}}, "non-negative"),
        ({"name": "sky", "mask": {"rle": {"size": [1, 2], "counts": ""}}}, "list of run lengths"),
        (
            {"name": "sky", "mask": {"rle": {}, "url": "https://x"}},
            "{rle: {size, counts}} or {url}",
        ),
        (
            {"name": "person", "location": {"start": -1, "end": 2}},
            "location.start must be an integer >= 0",
        ),
        ({"name": "person", "location": [0, 2]}, "location must be an object"),
        ({"name": "near", "relationship": {"source": "a", "target": "a"}}, "must differ"),
        (
            {"name": "near", "relationship": {"source": "a", "target": "b", "type": "x"}},
            "'unidirectional' or",
        ),
        ({"name": "near", "relationship": {"source": 1, "target": "b"}}, "must be uuids"),
        ({"name": "weather", "answer": 3}, "an option is a string or {name}"),
        (
            {"name": "weather", "answer": "rain", "classifications": [{"name": "x"}]},
            "in its answer",
        ),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "classifications": [{"name": "parts"}],
            },
            "needs an answer",
        ),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "classifications": [
                    {"name": "parts", "answer": ["door"]},
                    {"name": "parts", "answer": ["roof"]},
                ],
            },
            "answered twice",
        ),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "classifications": {},
            },
            "classifications must be a list",
        ),
        ({"name": "notes", "answer": "x" * 10_001}, "at most 10000 characters"),
        ({"name": "notes", "answer": "x", "uuid": ""}, "uuid must be a string"),
        ({"name": "notes"}, "no geometry"),
        ({"featureSchemaId": "fsc_unknown", "answer": "x"}, "unknown feature schema id"),
    ],
)
def test_every_check_names_its_problem(
    index: OntologyIndex, annotation: dict[str, Any], reason: str
) -> None:
    checked, problem = index.check(annotation)
    assert checked is None and problem is not None and reason in problem, problem
    with pytest.raises(labelkit.AnnotationValidationError, match="annotation 0") as caught:
        validate_label(index, [annotation], row=7)
    assert caught.value.row == 7 and reason in caught.value.reason
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, labelkit.LabelkitError)


def test_import_rows_need_a_data_row(index: OntologyIndex) -> None:
    good = {"name": "notes", "answer": "x", "data_row": {"id": "dr_1"}}
    validate_import_row(index, good, row=0)
    for row, reason in [
        ({"name": "notes", "answer": "x"}, "needs data_row"),
        ({**good, "data_row": {"id": ""}}, "non-empty string"),
        ({**good, "data_row": {"ref": "x"}}, "exactly one of id and global_key"),
        ({**good, "name": "nope"}, "unknown classification"),
        ([good], "must be an object"),
    ]:
        with pytest.raises(labelkit.AnnotationValidationError, match=reason) as caught:
            validate_import_row(index, row, row=5)
        assert caught.value.row == 5 and str(caught.value).startswith("row 5")


def test_agreement() -> None:
    box = {"name": "car", "bbox": {"top": 0, "left": 0, "height": 10, "width": 10}}
    moved = {"name": "car", "bbox": {"top": 0, "left": 5, "height": 10, "width": 10}}
    assert agreement([box], [box]) == 1.0
    assert agreement([box], [moved]) == pytest.approx(50 / 150)
    assert agreement([box], []) == 0.0 and agreement([], []) == 1.0
    assert (
        agreement([{"name": "w", "answer": {"name": "a"}}], [{"name": "w", "answer": "a"}]) == 1.0
    )
    assert (
        agreement([{"name": "t", "answer": ["a", "b"]}], [{"name": "t", "answer": ["b", "a"]}])
        == 1.0
    )
    assert (
        agreement([box, {"name": "w", "answer": "a"}], [box, {"name": "w", "answer": "b"}]) == 0.5
    )


def test_export_params_and_filters() -> None:
    params = parse_params({"label_details": True, "predictions": False})
    assert params is not None and params.label_details and not params.predictions
    filters = parse_filters(
        {
            "last_activity_at": ["2026-01-01 00:00:00", None],
            "workflow_status": "ToLabel",
            "global_keys": ["a"],
            "label_created_at": [None, datetime(2026, 2, 1, tzinfo=UTC)],
        }
    )
    assert filters is not None and filters.workflow_status == WorkflowStatus.TO_LABEL
    assert filters.last_activity_at is not None
    assert filters.last_activity_at.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert filters.last_activity_at.end is None
    for name in ("InReview", "in_review", "IN_REVIEW", WorkflowStatus.IN_REVIEW):
        parsed = parse_filters({"workflow_status": name})
        assert parsed is not None and parsed.workflow_status == WorkflowStatus.IN_REVIEW
    for bad, message in [
        ({"last_activity_at": ["soon", None]}, "is not a date-time"),
        ({"last_activity_at": [None, None]}, "needs a start, an end or both"),
        ({"batch_ids": "bat_1"}, "non-empty list of strings"),
        ({"data_row_ids": [1]}, "strings only"),
        ({"last_activity_at": [1, None]}, "date-time string or datetime"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_filters(bad)


def test_label_studio_results_both_ways() -> None:
    results = [
        {
            "id": "r",
            "from_name": "label",
            "to_name": "image",
            "type": "rectanglelabels",
            "value": {
                "x": 1,
                "y": 2,
                "width": 3,
                "height": 4,
                "rotation": 0,
                "rectanglelabels": ["car"],
            },
        },
        {
            "id": "r",
            "from_name": "parts",
            "to_name": "image",
            "type": "choices",
            "value": {"choices": ["door"]},
        },
        {
            "id": "n",
            "from_name": "label",
            "to_name": "image",
            "type": "labels",
            "value": {"start": 0, "end": 3, "labels": ["person"]},
        },
        {
            "id": "c",
            "from_name": "weather",
            "to_name": "image",
            "type": "choices",
            "value": {"choices": ["rain"]},
        },
    ]
    annotations = from_label_studio_results(results, checklists={"parts"})
    assert annotations[0] == {"name": "car", "uuid": "r", "bbox": {"top": 2, "left": 1, "height": 4, "width": 3},
                              "classifications": [{"name": "parts", "answer": ["door"]}]}  # fmt: skip
    assert annotations[2] == {"name": "weather", "answer": "rain", "uuid": "c"}
    back = to_label_studio_results(
        [*annotations[:2], {"name": "weather", "uuid": "c", "answer": {"name": "rain"}}],
        LabelStudioOptions(),
    )
    assert back == results
    with pytest.raises(ValueError, match="'brushlabels' is not supported"):
        from_label_studio_results([{"type": "brushlabels", "value": {}}])


def test_writers_stream_valid_json() -> None:
    row = {"data_row": {"id": "dr_1", "global_key": "k", "external_id": "7", "row_data": "u"},
           "labels": [{"id": "lbl_1", "annotations": [
               {"name": "road", "polygon": [{"x": 0, "y": 0}, {"x": 2, "y": 0}, {"x": 0, "y": 2}]}]}],
           "predictions": [{"id": "prd_1", "model_version": "m", "score": 1.0, "annotations": []}]}  # fmt: skip
    out = io.BytesIO()
    writer = LabelStudioWriter(out)
    writer.add(row)
    writer.add({**row, "data_row": {**row["data_row"], "external_id": None}})
    writer.close()
    tasks = json.loads(out.getvalue())
    assert [t["id"] for t in tasks] == [7, 2]
    assert tasks[0]["predictions"][0]["model_version"] == "m"
    coco_out = io.BytesIO()
    coco = CocoWriter(coco_out)
    coco.add(row)
    coco.close()
    document = json.loads(coco_out.getvalue())
    assert document["annotations"][0]["area"] == 2.0 and document["categories"][0]["name"] == "road"
    empty = io.BytesIO()
    CocoWriter(empty).close()
    assert json.loads(empty.getvalue())["images"] == []


EXPORT = {
    "id": "exp_1",
    "projectId": "prj_1",
    "datasetId": None,
    "title": None,
    "snapshot": True,
    "status": "IN_PROGRESS",
    "rowCount": None,
    "params": {},
    "filters": {},
    "errors": [],
    "streamPath": "exports/exp_1/stream",
    "createdAt": "2026-01-01T00:00:00Z",
    "finishedAt": None,
}


async def test_a_failed_snapshot_raises_and_waiting_times_out(client: labelkit.Client) -> None:
    with respx.mock() as router:
        router.post(URL).mock(
            side_effect=[
                ok({"export": EXPORT}),
                ok({"export": {**EXPORT, "status": "FAILED", "errors": ["disk full"]}}),
            ]
        )
        task = await client.exports.get("exp_1")
        with pytest.raises(labelkit.ExportFailedError, match="disk full"):
            await task.wait(poll_interval=0)
    with respx.mock() as router:
        router.post(URL).mock(return_value=ok({"export": EXPORT}))
        task = await client.exports.get("exp_1")
        with pytest.raises(TimeoutError, match="still IN_PROGRESS"):
            await task.wait(timeout=0.05, poll_interval=0.01)


async def test_export_stream_resumes_through_the_transport(client: labelkit.Client) -> None:
    done = {**EXPORT, "snapshot": False, "status": "COMPLETED", "rowCount": 2}
    with respx.mock() as router:
        router.post(URL).mock(return_value=ok({"export": done}))
        stream = router.get(URL.rsplit("/", 1)[0] + "/exports/exp_1/stream").mock(
            side_effect=[
                httpx.Response(200, stream=BreakingStream([b'{"n":1}\n{"n"'])),
                httpx.Response(200, stream=BreakingStream([b'{"n":2}\n'], fail=False)),
            ]
        )
        task = await client.exports.get("exp_1")
        assert [row async for row in task.stream()] == [{"n": 1}, {"n": 2}]
    assert [call.request.url.params["offset"] for call in stream.calls] == ["0", "1"]
