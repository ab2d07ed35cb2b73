"""Labels, predictions, imports and exports through the SDK against a real server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import labelkit
from labelkit.annotations import (
    Answer,
    BoundingBox,
    Checklist,
    Point,
    Polygon,
    Radio,
    Relationship,
    Text,
)
from labelkit.testing import LocalServer
from labelkit.types import ExportStatus, LabelImportState

ONTOLOGY = labelkit.OntologyBuilder(
    tools=[
        labelkit.Tool(
            tool=labelkit.Tool.Type.BBOX,
            name="car",
            classifications=[
                labelkit.Classification(
                    class_type=labelkit.Classification.Type.RADIO,
                    name="color",
                    options=[labelkit.Option(value="red"), labelkit.Option(value="blue")],
                )
            ],
        ),
        labelkit.Tool(tool=labelkit.Tool.Type.POLYGON, name="road"),
        labelkit.Tool(tool=labelkit.Tool.Type.POINT, name="wheel"),
        labelkit.Tool(tool=labelkit.Tool.Type.RELATIONSHIP, name="near"),
    ],
    classifications=[
        labelkit.Classification(
            class_type=labelkit.Classification.Type.RADIO,
            name="weather",
            options=[labelkit.Option(value="rain"), labelkit.Option(value="sun")],
        ),
        labelkit.Classification(
            class_type=labelkit.Classification.Type.CHECKLIST,
            name="tags",
            options=[labelkit.Option(value="blurry"), labelkit.Option(value="dark")],
        ),
        labelkit.Classification(class_type=labelkit.Classification.Type.TEXT, name="notes"),
    ],
)


@dataclass
class Setup:
    project_id: str
    dataset_id: str
    row_ids: list[str]
    keys: list[str]


async def make_project(
    client: labelkit.Client, unique: str, rows: int = 3, *, batch: bool = True, **project: Any
) -> Setup:
    created = await client.projects.create(name=f"labels {unique}", **project)
    ontology = await client.ontologies.create(f"vehicles {unique}", ONTOLOGY)
    await client.projects.connect_ontology(created.id, ontology.id)
    dataset = await client.datasets.create(name=f"rows {unique}")
    keys = [f"{unique}-{i}" for i in range(rows)]
    data_rows = await client.data_rows.create(
        dataset.id,
        [{"row_data": f"https://example.com/{key}.jpg", "global_key": key} for key in keys],
    )
    if batch:
        await client.batches.create(created.id, "batch", global_keys=keys)
    return Setup(created.id, dataset.id, [row.id for row in data_rows], keys)


def car(**fields: Any) -> dict[str, Any]:
    return {"name": "car", "bbox": {"top": 1, "left": 2, "height": 10, "width": 20}, **fields}


async def test_labels_crud_with_typed_annotations(client: labelkit.Client, unique: str) -> None:
    setup = await make_project(client, unique)
    box = BoundingBox(
        name="car",
        top=1,
        left=2,
        height=10,
        width=20,
        classifications=[Radio(name="color", answer="red")],
    )
    wheel = Point(name="wheel", x=3, y=4)
    label = await client.labels.create(
        setup.project_id,
        setup.row_ids[0],
        annotations=[
            box,
            wheel,
            Polygon(name="road", points=[(0, 0), (5, 0), (5, 5)]),
            Relationship(name="near", source=box, target=wheel),
            Radio(name="weather", answer=Answer(name="rain")),
            Checklist(name="tags", answers=["blurry", "dark"]),
            Text(name="notes", answer="ok"),
        ],
        seconds_to_label=7,
    )
    assert label.global_key == setup.keys[0] and label.seconds_to_label == 7
    assert [a["name"] for a in label.annotations] == [
        "car",
        "wheel",
        "road",
        "near",
        "weather",
        "tags",
        "notes",
    ]
    assert label.annotations[3]["relationship"]["source"] == box.uuid
    by_key = await client.labels.create(
        setup.project_id, global_key=setup.keys[1], annotations=[car()]
    )
    assert (await client.labels.get(by_key.id)).data_row_id == setup.row_ids[1]

    assert [x.id async for x in client.labels.list(setup.project_id, page_size=1)] == [
        label.id,
        by_key.id,
    ]
    per_row = await client.labels.list(setup.project_id, data_row_id=setup.row_ids[1]).to_list()
    assert [x.id for x in per_row] == [by_key.id]

    updated = await client.labels.update(by_key.id, annotations=[{"name": "notes", "answer": "x"}])
    assert updated.annotations[0]["answer"] == "x"
    updated = await client.labels.update(by_key.id, seconds_to_label=2.5)
    assert updated.seconds_to_label == 2.5 and updated.annotations[0]["answer"] == "x"

    review = await client.labels.approve(label.id)
    assert review.score == 1.0
    rejected = await client.labels.reject(by_key.id)
    await client.labels.update_review(rejected.id, 0.0)
    await client.labels.delete_review(rejected.id)
    queues = {
        q.queue_type.value: q.data_row_count
        for q in await client.projects.task_queues(setup.project_id)
    }
    assert queues["DONE"] == 1 and queues["MANUAL_REWORK"] == 1

    third = await client.labels.create(setup.project_id, setup.row_ids[2], annotations=[car()])
    await client.labels.delete(third.id)
    assert await client.labels.bulk_delete([label.id, by_key.id, third.id]) == 2
    assert await client.labels.list(setup.project_id).to_list() == []


@pytest.mark.parametrize(
    ("annotation", "reason"),
    [
        ({"name": "truck", "point": {"x": 1, "y": 1}}, "unknown tool 'truck'"),
        ({"name": "car", "point": {"x": 1, "y": 1}}, "wrong tool kind"),
        (
            {"name": "car", "bbox": {"top": 1, "left": 2, "height": 0, "width": 20}},
            "bbox.height must be > 0",
        ),
        ({"name": "weather", "answer": "snow"}, "not an option"),
        ({"name": "tags", "answer": "dark"}, "non-empty list"),
        ({"name": "notes", "answer": ["a"]}, "its answer is a string"),
        (car(classifications=[{"name": "color", "answer": "green"}]), "'green' is not an option"),
    ],
)
async def test_invalid_annotations_fail_before_sending(
    client: labelkit.Client, unique: str, annotation: dict[str, Any], reason: str
) -> None:
    setup = await make_project(client, unique, 1)
    with pytest.raises(labelkit.AnnotationValidationError, match=reason) as caught:
        await client.labels.create(setup.project_id, setup.row_ids[0], annotations=[annotation])
    assert caught.value.annotation is not None and caught.value.annotation.startswith("0 (")
    assert isinstance(caught.value, ValueError)
    # The server says the same when the client's check is skipped.
    with pytest.raises(labelkit.ValidationError, match=reason):
        await client.labels.create(
            setup.project_id, setup.row_ids[0], annotations=[annotation], validate=False
        )


async def test_label_level_and_project_errors(client: labelkit.Client, unique: str) -> None:
    setup = await make_project(client, unique, 1)
    with pytest.raises(labelkit.AnnotationValidationError, match=r"relationship\.source"):
        await client.labels.create(
            setup.project_id,
            setup.row_ids[0],
            annotations=[{"name": "near", "relationship": {"source": "a", "target": "b"}}],
        )
    with pytest.raises(ValueError, match="exactly one of data_row_id and global_key"):
        await client.labels.create(setup.project_id, annotations=[])
    with pytest.raises(ValueError, match="between -1 and 1"):
        await client.labels.create_review("lbl_x", 2)
    bare = await client.projects.create(name=f"bare {unique}")
    with pytest.raises(ValueError, match="has no ontology"):
        await client.labels.create(bare.id, setup.row_ids[0], annotations=[car()])
    unbatched = await make_project(client, unique + "u", 1, batch=False)
    with pytest.raises(labelkit.ValidationError, match="in no batch"):
        await client.labels.create(unbatched.project_id, unbatched.row_ids[0], annotations=[car()])
    with pytest.raises(labelkit.NotFoundError):
        await client.labels.get("lbl_0000000000000000000")


async def test_benchmarks_and_consensus(client: labelkit.Client, unique: str) -> None:
    setup = await make_project(client, unique, 1)
    reference = await client.labels.create(setup.project_id, setup.row_ids[0], annotations=[car()])
    await client.labels.create(setup.project_id, setup.row_ids[0], annotations=[car()])
    marked = await client.labels.create_benchmark(reference.id)
    assert marked.is_benchmark_reference
    (benchmark,) = await client.labels.benchmarks(setup.project_id)
    assert benchmark.reference_label.id == reference.id
    assert benchmark.completed_count == 1 and benchmark.average_agreement == 1.0
    await client.labels.delete_benchmark(reference.id)
    assert await client.labels.benchmarks(setup.project_id) == []

    consensus = await make_project(client, unique + "c", 1, quality_mode="consensus")
    for answer in ("rain", "rain", "sun"):
        await client.labels.create(
            consensus.project_id,
            consensus.row_ids[0],
            annotations=[{"name": "weather", "answer": answer}],
        )
    (agreement,) = await client.labels.consensus_agreement(consensus.project_id, consensus.row_ids)
    assert agreement.label_count == 3 and agreement.agreement == pytest.approx(1 / 3)


async def test_predictions(client: labelkit.Client, unique: str) -> None:
    setup = await make_project(client, unique, 3)
    one = await client.predictions.create(setup.project_id, setup.row_ids[0], [car()], 0.8, "v1")
    assert one.model_version == "v1" and one.score == 0.8
    report = await client.predictions.create_many(
        setup.project_id,
        (
            {"data_row": {"global_key": key}, "annotations": [car()], "model_version": "v2"}
            for key in [*setup.keys, "missing-key"]
        ),
        chunk_size=2,
    )
    assert report.created == 3 and report.failed == 1 and report.chunks == 2
    assert report.errors[0].index == 3 and "not found" in report.errors[0].reason
    with pytest.raises(labelkit.AnnotationValidationError) as caught:
        await client.predictions.create_many(
            setup.project_id,
            [
                {
                    "data_row": {"id": setup.row_ids[0]},
                    "annotations": [{"name": "nope", "answer": "x"}],
                }
            ],
        )
    assert caught.value.row == 0
    assert len(await client.predictions.list(setup.project_id, model_version="v2").to_list()) == 3
    assert await client.predictions.to_labels(setup.project_id, ["v1"]) == 1
    assert await client.predictions.to_labels(setup.project_id) == 4
    assert len(await client.labels.list(setup.project_id).to_list()) == 5
    assert await client.predictions.delete([one.id]) == 1


async def test_imports_from_list_file_and_iterator(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    setup = await make_project(client, unique, 3)
    rows = [{**car(), "data_row": {"global_key": key}} for key in setup.keys] + [
        {**car(), "data_row": {"global_key": "missing"}}
    ]
    imp = await client.imports.create(
        setup.project_id, "from list", rows, kind="ground_truth", chunk_size=2
    )
    assert imp.state == LabelImportState.FINISHED
    assert (imp.info.success_count, imp.info.failure_count) == (3, 1)
    assert imp.report is not None and imp.report.created == 3
    (error,) = await imp.errors.to_list()
    assert error.index == 3 and error.global_key == "missing" and "not found" in error.errors[0]
    statuses = await imp.statuses.to_list()
    assert [s.status.value for s in statuses] == ["SUCCESS"] * 3 + ["FAILURE"]
    assert (await imp.wait()).state == LabelImportState.FINISHED
    assert len(await client.labels.list(setup.project_id).to_list()) == 3

    path = tmp_path / "prelabels.ndjson"
    path.write_text(
        "\n".join(json.dumps({**car(), "data_row": {"id": row}}) for row in setup.row_ids) + "\n"
    )
    prelabels = await client.imports.create(setup.project_id, "from file", path)
    assert prelabels.info.kind.value == "PRELABEL" and prelabels.info.success_count == 3
    assert len(await client.predictions.list(setup.project_id).to_list()) == 3

    async def stream() -> AsyncIterator[dict[str, Any]]:
        for row in setup.row_ids:
            yield {"name": "weather", "answer": "sun", "dataRow": {"id": row}}

    streamed = await client.imports.create(setup.project_id, "from iterator", stream(), "prelabel")
    assert streamed.info.success_count == 3
    listed = [i.name async for i in client.imports.list(setup.project_id)]
    assert listed == ["from list", "from file", "from iterator"]
    await prelabels.delete()
    await streamed.delete()
    assert await client.predictions.list(setup.project_id).to_list() == []
    with pytest.raises(labelkit.NotFoundError):
        await client.imports.get(prelabels.id)


async def test_import_validation_errors_name_row_and_annotation(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    setup = await make_project(client, unique, 1)
    good = {**car(), "data_row": {"id": setup.row_ids[0]}}
    cases: list[tuple[Any, str]] = [
        ([good, {**car(), "data_row": {"id": setup.row_ids[0]}, "bbox": {"top": 0}}], "bbox needs"),
        ([good, car()], "needs data_row"),
        (
            [good, {**car(), "data_row": {"id": "a", "global_key": "b"}}],
            "exactly one of id and global_key",
        ),
        ([good, {"name": "tags", "answer": "x", "data_row": {"id": "a"}}], "non-empty list"),
        ([good, "text"], "must be an object"),
    ]
    for rows, reason in cases:
        with pytest.raises(labelkit.AnnotationValidationError, match=reason) as caught:
            await client.imports.create(setup.project_id, "bad", rows)
        assert caught.value.row == 1
    # Nothing was sent for lists: no import exists.
    assert await client.imports.list(setup.project_id).to_list() == []
    broken = tmp_path / "broken.ndjson"
    broken.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(ValueError, match="line 2: invalid JSON"):
        await client.imports.create(setup.project_id, "bad file", broken)

    def iterator() -> Any:
        yield good
        yield {**good, "name": "truck"}

    with pytest.raises(labelkit.AnnotationValidationError, match="unknown tool 'truck'"):
        await client.imports.create(setup.project_id, "bad iterator", iterator(), chunk_size=1)
    (failed,) = await client.imports.list(setup.project_id).to_list()
    assert (
        failed.state == LabelImportState.FAILED and "AnnotationValidationError" in failed.errors[0]
    )
    for kwargs, message in [
        ({"kind": "truth"}, "kind must be one of"),
        ({"chunk_size": 0}, "chunk_size must be between"),
    ]:
        with pytest.raises(ValueError, match=message):
            await client.imports.create(setup.project_id, "x", [good], **kwargs)


async def test_import_resumes_from_checkpoint(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    setup = await make_project(client, unique, 4)
    rows = [{**car(), "data_row": {"global_key": key}} for key in setup.keys]
    journal = tmp_path / "import.checkpoint"
    calls = 0

    def flaky() -> Any:
        nonlocal calls
        for row in rows:
            calls += 1
            if calls == 4:
                raise RuntimeError("reader crashed")
            yield row

    with pytest.raises(RuntimeError, match="reader crashed"):
        await client.imports.create(
            setup.project_id, "resumable", flaky(), "ground_truth", chunk_size=2, checkpoint=journal
        )
    done = await client.imports.create(
        setup.project_id, "resumable", iter(rows), "ground_truth", chunk_size=2, checkpoint=journal
    )
    assert done.state == LabelImportState.FINISHED
    assert done.info.annotation_count == 4 and done.info.success_count == 4
    assert len(await client.imports.list(setup.project_id).to_list()) == 1


async def test_exports_stream_to_file_and_snapshots(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    setup = await make_project(client, unique, 3)
    await client.labels.create(setup.project_id, setup.row_ids[1], annotations=[car()])
    export = await client.exports.create(
        project_id=setup.project_id,
        params={"label_details": True, "project_details": True},
        filters={"workflow_status": "InReview"},
    )
    assert export.status == ExportStatus.COMPLETED and export.row_count == 1
    rows = [row async for row in export.stream()]
    assert [r["data_row"]["global_key"] for r in rows] == [setup.keys[1]]
    assert rows[0]["project_details"]["workflow_status"] == "InReview"

    everything = await client.exports.create(project_id=setup.project_id)
    seen: list[int] = []
    target = tmp_path / "rows.ndjson"
    assert await everything.to_file(target, progress=seen.append) == 3
    assert [
        json.loads(line)["data_row"]["global_key"] for line in target.read_text().splitlines()
    ] == setup.keys
    assert seen == [3]

    dataset_export = await client.exports.create(
        dataset_id=setup.dataset_id,
        filters={"global_keys": setup.keys[:2], "last_activity_at": ["2020-01-01 00:00:00", None]},
    )
    assert dataset_export.row_count == 2

    snapshot = await client.exports.create_snapshot(project_id=setup.project_id, title="nightly")
    await snapshot.wait(timeout=30)
    assert snapshot.status == ExportStatus.COMPLETED and snapshot.row_count == 3
    assert len([row async for row in snapshot.stream()]) == 3
    listed = await client.exports.list(project_id=setup.project_id, snapshots_only=True).to_list()
    assert [e.id for e in listed] == [snapshot.id]
    await snapshot.delete()
    with pytest.raises(labelkit.NotFoundError):
        await client.exports.get(snapshot.id)

    for kwargs, message in [
        ({}, "exactly one of project_id and dataset_id"),
        ({"project_id": setup.project_id, "params": {"labels": True}}, "unknown export param"),
        ({"project_id": setup.project_id, "filters": {"status": "x"}}, "unknown export filter"),
        (
            {"project_id": setup.project_id, "filters": {"workflow_status": "Later"}},
            "workflow_status must be",
        ),
        (
            {
                "project_id": setup.project_id,
                "filters": {"label_created_at": ["2026-02-01", "2026-01-01"]},
            },
            "is after end",
        ),
        (
            {"project_id": setup.project_id, "filters": {"label_created_at": "2026-01-01"}},
            r"must be \[start, end\]",
        ),
        ({"project_id": setup.project_id, "filters": {"global_keys": []}}, "non-empty list"),
        ({"project_id": setup.project_id, "params": {"attachments": "yes"}}, "True or False"),
    ]:
        with pytest.raises(ValueError, match=message):
            await client.exports.create(**kwargs)
    with pytest.raises(labelkit.ValidationError, match="project exports only"):
        await client.exports.create(
            dataset_id=setup.dataset_id, filters={"workflow_status": "Done"}
        )
    with pytest.raises(ValueError, match="format must be one of"):
        await everything.to_file(tmp_path / "x", format="csv")


LABEL_STUDIO_TASKS = [
    {
        "id": 101,
        "data": {"image": "https://example.com/ls/101.jpg"},
        "annotations": [
            {
                "result": [
                    {
                        "id": "r1",
                        "from_name": "label",
                        "to_name": "image",
                        "type": "rectanglelabels",
                        "value": {
                            "x": 10.0,
                            "y": 20.0,
                            "width": 30.0,
                            "height": 40.0,
                            "rotation": 0,
                            "rectanglelabels": ["car"],
                        },
                    },
                    {
                        "id": "r1",
                        "from_name": "color",
                        "to_name": "image",
                        "type": "choices",
                        "value": {"choices": ["blue"]},
                    },
                    {
                        "id": "r2",
                        "from_name": "label",
                        "to_name": "image",
                        "type": "polygonlabels",
                        "value": {
                            "points": [[1.0, 1.0], [9.0, 1.0], [9.0, 9.0]],
                            "polygonlabels": ["road"],
                        },
                    },
                    {
                        "id": "c1",
                        "from_name": "weather",
                        "to_name": "image",
                        "type": "choices",
                        "value": {"choices": ["rain"]},
                    },
                    {
                        "id": "c2",
                        "from_name": "tags",
                        "to_name": "image",
                        "type": "choices",
                        "value": {"choices": ["dark"]},
                    },
                    {
                        "id": "t1",
                        "from_name": "notes",
                        "to_name": "image",
                        "type": "textarea",
                        "value": {"text": ["two cars"]},
                    },
                ]
            },
            {
                "result": [
                    {
                        "id": "k1",
                        "from_name": "label",
                        "to_name": "image",
                        "type": "keypointlabels",
                        "value": {"x": 5.0, "y": 6.0, "keypointlabels": ["wheel"]},
                    },
                ]
            },
        ],
        "predictions": [
            {
                "model_version": "yolo-1",
                "score": 0.75,
                "result": [
                    {
                        "id": "p1",
                        "from_name": "label",
                        "to_name": "image",
                        "type": "rectanglelabels",
                        "value": {
                            "x": 11.0,
                            "y": 21.0,
                            "width": 29.0,
                            "height": 39.0,
                            "rotation": 0,
                            "rectanglelabels": ["car"],
                        },
                    }
                ],
            },
        ],
    },
    {
        "id": 102,
        "data": {"image": "https://example.com/ls/102.jpg"},
        "annotations": [],
        "predictions": [
            {
                "model_version": "yolo-1",
                "score": 0.5,
                "result": [
                    {
                        "id": "p2",
                        "from_name": "weather",
                        "to_name": "image",
                        "type": "choices",
                        "value": {"choices": ["sun"]},
                    }
                ],
            },
        ],
    },
]


def canonical(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks without server-made ids, results in a stable order."""

    def results(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(items, key=lambda r: (r["id"], r["type"]))

    return [
        {
            "id": task["id"],
            "data": task["data"],
            "annotations": [results(a["result"]) for a in task["annotations"]],
            "predictions": [
                (p["model_version"], p["score"], results(p["result"])) for p in task["predictions"]
            ],
        }
        for task in sorted(tasks, key=lambda t: t["id"])
    ]


async def test_label_studio_round_trip(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    project = await client.projects.create(name=f"ls {unique}")
    ontology = await client.ontologies.create(f"ls {unique}", ONTOLOGY)
    await client.projects.connect_ontology(project.id, ontology.id)
    dataset = await client.datasets.create(name=f"ls {unique}")
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps(LABEL_STUDIO_TASKS))
    result = await client.imports.from_label_studio(project.id, dataset.id, source)
    assert result.data_rows.created == 2 and result.predictions.created == 2
    assert [imp.info.success_count for imp in result.imports] == [5, 1]

    export = await client.exports.create(project_id=project.id, params={"predictions": True})
    target = tmp_path / "exported.json"
    assert await export.to_file(target, format="label_studio") == 2
    exported = json.loads(target.read_text())
    assert canonical(exported) == canonical(LABEL_STUDIO_TASKS)
    assert exported[0]["meta"]["global_key"] == f"{dataset.id}-101"


async def test_coco_export_of_boxes_and_polygons(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    setup = await make_project(client, unique, 2)
    await client.labels.create(
        setup.project_id,
        setup.row_ids[0],
        annotations=[
            car(),
            {"name": "road", "polygon": [{"x": 0, "y": 0}, {"x": 4, "y": 0}, {"x": 4, "y": 3}]},
            {"name": "wheel", "point": {"x": 1, "y": 1}},
            {"name": "notes", "answer": "skip me"},
        ],
    )
    await client.labels.create(setup.project_id, setup.row_ids[1], annotations=[car()])
    export = await client.exports.create(project_id=setup.project_id)
    target = tmp_path / "coco.json"
    assert await export.to_file(target, format="coco") == 2
    coco = json.loads(target.read_text())
    assert set(coco) == {"info", "images", "annotations", "categories"}
    assert [image["id"] for image in coco["images"]] == [1, 2]
    assert coco["images"][0]["file_name"] == f"https://example.com/{setup.keys[0]}.jpg"
    categories = {c["name"]: c["id"] for c in coco["categories"]}
    assert set(categories) == {"car", "road"}
    boxes = [a for a in coco["annotations"] if a["category_id"] == categories["car"]]
    assert [(a["image_id"], a["bbox"], a["area"]) for a in boxes] == [
        (1, [2, 1, 20, 10], 200),
        (2, [2, 1, 20, 10], 200),
    ]
    (road,) = [a for a in coco["annotations"] if a["category_id"] == categories["road"]]
    assert (
        road["segmentation"] == [[0, 0, 4, 0, 4, 3]]
        and road["bbox"] == [0, 0, 4, 3]
        and road["area"] == 6
    )
    assert (
        all(a["iscrowd"] == 0 for a in coco["annotations"])
        and len({a["id"] for a in coco["annotations"]}) == 3
    )


def test_cli_export(server: LocalServer, unique: str, tmp_path: Path) -> None:
    import asyncio

    async def prepare() -> Setup:
        async with server.client() as client:
            setup = await make_project(client, unique, 2)
            await client.labels.create(setup.project_id, setup.row_ids[0], annotations=[car()])
            return setup

    setup = asyncio.run(prepare())
    out = tmp_path / "cli.ndjson"
    env = {"LABELKIT_URL": server.url, "LABELKIT_API_KEY": server.api_key, "PATH": ""}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelkit",
            "export",
            "--project",
            setup.project_id,
            "--out",
            str(out),
            "--filter",
            "workflow_status=InReview",
            "--param",
            "label_details",
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (row,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert row["data_row"]["global_key"] == setup.keys[0] and "label_details" in row["labels"][0]
    assert "1 rows" in done.stderr
    coco = tmp_path / "cli.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelkit",
            "export",
            "--project",
            setup.project_id,
            "--out",
            str(coco),
            "--format",
            "coco",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(coco.read_text())["images"]) == 2
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "labelkit",
            "export",
            "--project",
            setup.project_id,
            "--out",
            str(out),
            "--filter",
            "colour=red",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2 and "--filter 'colour=red'" in bad.stderr
