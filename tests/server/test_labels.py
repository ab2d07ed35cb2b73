"""Labels over raw GraphQL: create, read, update, delete, annotation checks, reviews and the
workflow moves they cause, benchmarks, consensus, webhooks, organization isolation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from labelkit.server.models import BatchRow, LabelFeature, WebhookDelivery

from .conftest import Api
from .label_helpers import CREATE_LABEL, LABEL_FIELDS, box, create_label, labeled_project
from .workflow_helpers import create_batch, project_with_rows

QUEUES = "query($p: ID!) { taskQueues(projectId: $p) { queueType dataRowCount } }"


async def queue_counts(api: Api, project_id: str) -> dict[str, int]:
    data = await api.data(QUEUES, {"p": project_id})
    return {q["queueType"]: q["dataRowCount"] for q in data["taskQueues"]}


async def label_error(api: Api, project_id: str, row_id: str, annotations: Any) -> str:
    error = await api.error(
        CREATE_LABEL,
        {"input": {"projectId": project_id, "dataRowId": row_id, "annotations": annotations}},
    )
    assert error["extensions"]["code"] == "VALIDATION", error
    return str(error["message"])


async def test_create_get_list_update_delete(api: Api, app: Starlette) -> None:
    project_id, rows = await labeled_project(api, 3)
    nested = box(classifications=[{"name": "color", "answer": "red"}], uuid="box-1")
    label = await create_label(
        api,
        project_id,
        rows[0]["id"],
        [
            nested,
            {"name": "road", "polygon": [{"x": 0, "y": 0}, {"x": 5, "y": 0}, {"x": 5, "y": 5}]},
            {"name": "lane", "line": [{"x": 0, "y": 0}, {"x": 9, "y": 9}]},
            {"name": "wheel", "point": {"x": 3, "y": 4}, "uuid": "wheel-1"},
            {"name": "sky", "mask": {"rle": {"size": [2, 2], "counts": [1, 3]}}},
            {"name": "sky", "mask": {"url": "https://example.com/m.png"}},
            {"name": "person", "location": {"start": 0, "end": 4}},
            {"name": "next to", "relationship": {"source": "box-1", "target": "wheel-1"}},
            {
                "name": "weather",
                "answer": {
                    "name": "rain",
                    "classifications": [{"name": "strength", "answer": "light"}],
                },
            },
            {"name": "tags", "answer": ["blurry", {"name": "dark"}]},
            {"name": "notes", "answer": "fine"},
        ],
        secondsToLabel=12.5,
    )
    assert label["globalKey"] == "img-0" and label["secondsToLabel"] == 12.5
    first = label["annotations"][0]
    assert first["uuid"] == "box-1" and first["feature_schema_id"].startswith("fsc_")
    assert first["classifications"][0]["answer"]["name"] == "red"
    assert label["annotations"][-3]["answer"]["classifications"][0]["answer"]["name"] == "light"
    assert all("uuid" in a for a in label["annotations"])

    got = await api.data(
        f"query($id: ID!) {{ label(id: $id) {{ {LABEL_FIELDS} }} }}", {"id": label["id"]}
    )
    assert got["label"] == label
    async with app.state.labelkit.sessions() as session:
        used = set(
            await session.scalars(
                select(LabelFeature.feature_schema_id).where(LabelFeature.label_id == label["id"])
            )
        )
    assert first["feature_schema_id"] in used and len(used) >= 10

    second = await create_label(api, project_id, rows[0]["id"], [box()])
    other = await create_label(api, project_id, rows[1]["id"], [box()])
    listing = await api.data(
        "query($p: ID!, $after: String) { labels(projectId: $p, first: 2, after: $after) "
        "{ edges { node { id } } pageInfo { hasNextPage endCursor } totalCount } }",
        {"p": project_id},
    )
    page = listing["labels"]
    assert [e["node"]["id"] for e in page["edges"]] == [label["id"], second["id"]]
    assert page["pageInfo"]["hasNextPage"] and page["totalCount"] == 3
    rest = await api.data(
        "query($p: ID!, $after: String) { labels(projectId: $p, first: 2, after: $after) "
        "{ edges { node { id } } pageInfo { hasNextPage } } }",
        {"p": project_id, "after": page["pageInfo"]["endCursor"]},
    )
    assert [e["node"]["id"] for e in rest["labels"]["edges"]] == [other["id"]]
    per_row = await api.data(
        "query($p: ID!, $r: ID) { labels(projectId: $p, dataRowId: $r) { totalCount } }",
        {"p": project_id, "r": rows[0]["id"]},
    )
    assert per_row["labels"]["totalCount"] == 2
    count = await api.data(
        "query($id: ID!) { project(id: $id) { labelCount } }", {"id": project_id}
    )
    assert count["project"]["labelCount"] == 3

    updated = await api.data(
        "mutation($id: ID!, $input: UpdateLabelInput!) { updateLabel(id: $id, input: $input) "
        "{ id annotations secondsToLabel updatedAt } }",
        {
            "id": second["id"],
            "input": {"annotations": [{"name": "notes", "answer": "x"}], "secondsToLabel": 3},
        },
    )
    assert updated["updateLabel"]["annotations"][0]["answer"] == "x"
    assert updated["updateLabel"]["secondsToLabel"] == 3
    assert updated["updateLabel"]["updatedAt"] > second["updatedAt"]
    error = await api.error(
        'mutation($id: ID!) { updateLabel(id: $id, input: {annotations: [{name: "car"}]}) { id } }',
        {"id": second["id"]},
    )
    assert error["extensions"]["code"] == "VALIDATION" and "no geometry" in error["message"]

    deleted = await api.data(
        "mutation($ids: [ID!]!) { deleteLabels(ids: $ids) { deletedCount } }",
        {"ids": [second["id"], other["id"], "lbl_missing"]},
    )
    assert deleted["deleteLabels"]["deletedCount"] == 2
    missing = await api.error("query($id: ID!) { label(id: $id) { id } }", {"id": other["id"]})
    assert missing["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        (
            {"name": "truck", "bbox": {"top": 0, "left": 0, "height": 1, "width": 1}},
            "unknown tool 'truck'",
        ),
        (
            {"name": "car", "polygon": [{"x": 0, "y": 0}] * 3},
            "wrong tool kind: 'car' is a rectangle",
        ),
        (
            {"name": "weather", "bbox": {"top": 0, "left": 0, "height": 1, "width": 1}},
            "is a classification",
        ),
        ({"name": "car", "answer": "red"}, "wrong tool kind: 'car' is a rectangle tool"),
        (
            {"name": "car", "bbox": {"top": 0, "left": 0, "height": 1, "width": 0}},
            "bbox.width must be > 0",
        ),
        (
            {"name": "car", "bbox": {"top": -1, "left": 0, "height": 1, "width": 1}},
            "bbox.top must be >= 0",
        ),
        ({"name": "car", "bbox": {"top": 0, "left": 0, "height": 1}}, "bbox needs width"),
        (
            {"name": "car", "bbox": {"top": "0", "left": 0, "height": 1, "width": 1}},
            "finite number",
        ),
        ({"name": "road", "polygon": [{"x": 0, "y": 0}, {"x": 1, "y": 1}]}, "at least 3 points"),
        ({"name": "lane", "line": [{"x": 0, "y": 0}]}, "at least 2 points"),
        ({"name": "wheel", "point": {"x": 1}}, "point must be an object {x, y}"),
        ({"name": "sky", "mask": {"rle": {"size": [2, 2], "counts": [1, 1]}}}, "add up to 2"),
        ({"name": "sky", "mask": {"url": "ftp://x"}}, "http(s) URL"),
        ({"name": "sky", "mask": {}}, "{rle: {size, counts}} or {url}"),
        ({"name": "person", "location": {"start": 5, "end": 5}}, "must be after start"),
        ({"name": "next to", "relationship": {"source": "a", "target": "b"}}, "not the uuid"),
        ({"name": "weather", "answer": "snow"}, "'snow' is not an option of 'weather'"),
        ({"name": "weather", "answer": ["rain"]}, "give one answer, not a list"),
        ({"name": "tags", "answer": "blurry"}, "its answer is a non-empty list"),
        ({"name": "tags", "answer": ["dark", "dark"]}, "chosen twice"),
        ({"name": "notes", "answer": 5}, "its answer is a string"),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "classifications": [{"name": "size", "answer": "big"}],
            },
            "unknown nested classification 'size'",
        ),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "classifications": [{"name": "color", "answer": "green"}],
            },
            "'green' is not an option",
        ),
        (
            {
                "name": "weather",
                "answer": {
                    "name": "rain",
                    "classifications": [{"name": "strength", "answer": "heavy"}],
                },
            },
            "'heavy' is not an option",
        ),
        (
            {
                "name": "car",
                "bbox": {"top": 0, "left": 0, "height": 1, "width": 1},
                "point": {"x": 1, "y": 1},
            },
            "several geometries",
        ),
        (
            {"name": "car", "bbox": {"top": 0, "left": 0, "height": 1, "width": 1}, "color": "x"},
            "unknown field",
        ),
        ({"bbox": {"top": 0, "left": 0, "height": 1, "width": 1}}, "needs a name"),
        ("car", "must be an object"),
    ],
)
async def test_each_annotation_error_is_a_validation_error(
    api: Api, annotation: Any, message: str
) -> None:
    project_id, rows = await labeled_project(api, 1)
    reason = await label_error(api, project_id, rows[0]["id"], [annotation])
    assert reason.startswith("annotations[0]"), reason
    assert message in reason, reason


async def test_label_level_errors(api: Api) -> None:
    project_id, rows = await labeled_project(api, 1)
    row = rows[0]["id"]
    assert "uuid is used twice" in await label_error(
        api, project_id, row, [box(uuid="same"), box(uuid="same")]
    )
    assert "JSON array" in await label_error(api, project_id, row, {"name": "car"})
    assert "at most 5000 annotations" in await label_error(
        api, project_id, row, [{"name": "notes", "answer": "a"}] * 5001
    )
    error = await api.error(
        CREATE_LABEL,
        {
            "input": {
                "projectId": project_id,
                "dataRowId": row,
                "globalKey": "img-0",
                "annotations": [],
            }
        },
    )
    assert "exactly one of dataRowId and globalKey" in error["message"]
    error = await api.error(
        CREATE_LABEL,
        {
            "input": {
                "projectId": project_id,
                "annotations": [],
                "secondsToLabel": -1,
                "globalKey": "img-0",
            }
        },
    )
    assert "secondsToLabel must be a number >= 0" in error["message"]


async def test_rows_and_projects_that_cannot_be_labeled(api: Api) -> None:
    project_id, _ = await labeled_project(api, 1)
    missing = await api.error(
        CREATE_LABEL,
        {"input": {"projectId": project_id, "globalKey": "no-such-key", "annotations": []}},
    )
    assert missing["extensions"]["code"] == "NOT_FOUND" and "no-such-key" in missing["message"]
    outside, outside_rows = await project_with_rows(api, 1, prefix="outside")
    not_in_batch = await api.error(
        CREATE_LABEL,
        {"input": {"projectId": project_id, "dataRowId": outside_rows[0]["id"], "annotations": []}},
    )
    assert not_in_batch["extensions"]["code"] == "VALIDATION"
    assert "is in no batch of project" in not_in_batch["message"]
    await create_batch(api, outside, "b", dataRows=[outside_rows[0]["id"]])
    no_ontology = await api.error(
        CREATE_LABEL,
        {"input": {"projectId": outside, "dataRowId": outside_rows[0]["id"], "annotations": []}},
    )
    assert no_ontology["extensions"]["code"] == "VALIDATION"
    assert "has no ontology" in no_ontology["message"]


async def test_labels_of_another_organization_are_not_found(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    project_id, rows = await labeled_project(api, 1)
    label = await create_label(api, project_id, rows[0]["id"], [box()])
    intruder = await new_api()
    for query, variables in [
        ("query($id: ID!) { label(id: $id) { id } }", {"id": label["id"]}),
        ("query($p: ID!) { labels(projectId: $p) { totalCount } }", {"p": project_id}),
        ("mutation($id: ID!) { createReview(labelId: $id, score: 1) { id } }", {"id": label["id"]}),
        (
            CREATE_LABEL,
            {"input": {"projectId": project_id, "dataRowId": rows[0]["id"], "annotations": []}},
        ),
    ]:
        error = await intruder.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error
    deleted = await intruder.data(
        "mutation($ids: [ID!]!) { deleteLabels(ids: $ids) { deletedCount } }",
        {"ids": [label["id"]]},
    )
    assert deleted["deleteLabels"]["deletedCount"] == 0


async def test_reviews_move_rows_through_the_workflow(api: Api, app: Starlette) -> None:
    project_id, rows = await labeled_project(api, 2)
    assert (await queue_counts(api, project_id))["INITIAL_LABELING"] == 2
    label = await create_label(api, project_id, rows[0]["id"], [box()])
    counts = await queue_counts(api, project_id)
    assert counts["INITIAL_LABELING"] == 1 and counts["MANUAL_REVIEW"] == 1

    review = await api.data(
        "mutation($id: ID!) { createReview(labelId: $id, score: -1) { id labelId score createdBy { id } } }",
        {"id": label["id"]},
    )
    assert review["createReview"]["score"] == -1
    assert (await queue_counts(api, project_id))["MANUAL_REWORK"] == 1
    review_id = review["createReview"]["id"]
    await api.data(
        "mutation($id: ID!) { updateReview(id: $id, score: 1) { id } }", {"id": review_id}
    )
    assert (await queue_counts(api, project_id))["DONE"] == 1
    got = await api.data(
        "query($id: ID!) { label(id: $id) { reviews { id score } } }", {"id": label["id"]}
    )
    assert got["label"]["reviews"] == [{"id": review_id, "score": 1.0}]

    for score in (1.5, -2):
        error = await api.error(
            "mutation($id: ID!, $s: Float!) { createReview(labelId: $id, score: $s) { id } }",
            {"id": label["id"], "s": score},
        )
        assert (
            error["extensions"]["code"] == "VALIDATION" and "between -1 and 1" in error["message"]
        )
    deleted = await api.data(
        "mutation($id: ID!) { deleteReview(id: $id) { deletedCount } }", {"id": review_id}
    )
    assert deleted["deleteReview"]["deletedCount"] == 1

    async with app.state.labelkit.sessions() as session:
        queue = await session.scalar(
            select(BatchRow.queue).where(BatchRow.data_row_id == rows[1]["id"])
        )
    assert queue == "INITIAL_LABELING"


async def test_benchmarks_score_other_labels(api: Api) -> None:
    project_id, rows = await labeled_project(api, 1)
    reference = await create_label(api, project_id, rows[0]["id"], [box()])
    same = await create_label(api, project_id, rows[0]["id"], [box()])
    shifted = box()
    shifted["bbox"] = {**shifted["bbox"], "left": 40}  # overlaps half: IoU 1/3
    half = await create_label(api, project_id, rows[0]["id"], [shifted])
    marked = await api.data(
        "mutation($id: ID!) { setBenchmarkReference(labelId: $id) { id isBenchmarkReference } }",
        {"id": reference["id"]},
    )
    assert marked["setBenchmarkReference"]["isBenchmarkReference"] is True
    labels = await api.data(
        "query($p: ID!) { labels(projectId: $p) { edges { node { id benchmarkAgreement } } } }",
        {"p": project_id},
    )
    scores = {e["node"]["id"]: e["node"]["benchmarkAgreement"] for e in labels["labels"]["edges"]}
    assert scores[reference["id"]] is None and scores[same["id"]] == 1.0
    assert scores[half["id"]] == pytest.approx(1 / 3)
    benchmarks = await api.data(
        "query($p: ID!) { benchmarks(projectId: $p) { referenceLabel { id } dataRowId "
        "completedCount averageAgreement createdAt } }",
        {"p": project_id},
    )
    (benchmark,) = benchmarks["benchmarks"]
    assert benchmark["referenceLabel"]["id"] == reference["id"]
    assert benchmark["completedCount"] == 2
    assert benchmark["averageAgreement"] == pytest.approx((1 + 1 / 3) / 2)

    # Another reference on the row replaces the first.
    await api.data(
        "mutation($id: ID!) { setBenchmarkReference(labelId: $id) { id } }", {"id": same["id"]}
    )
    benchmarks = await api.data(
        "query($p: ID!) { benchmarks(projectId: $p) { referenceLabel { id } } }", {"p": project_id}
    )
    assert [b["referenceLabel"]["id"] for b in benchmarks["benchmarks"]] == [same["id"]]
    await api.data(
        "mutation($id: ID!) { setBenchmarkReference(labelId: $id, isReference: false) { id } }",
        {"id": same["id"]},
    )
    assert (
        await api.data(
            "query($p: ID!) { benchmarks(projectId: $p) { dataRowId } }", {"p": project_id}
        )
    )["benchmarks"] == []


async def test_consensus_agreement_and_benchmark_mode_checks(api: Api) -> None:
    project_id, rows = await labeled_project(api, 2, prefix="cons", qualityMode="CONSENSUS")
    first = await create_label(api, project_id, rows[0]["id"], [{"name": "notes", "answer": "a"}])
    await create_label(api, project_id, rows[0]["id"], [{"name": "notes", "answer": "a"}])
    await create_label(api, project_id, rows[0]["id"], [{"name": "notes", "answer": "b"}])
    data = await api.data(
        "query($p: ID!, $ids: [ID!]!) { consensusAgreement(projectId: $p, dataRowIds: $ids) "
        "{ dataRowId labelCount agreement } }",
        {"p": project_id, "ids": [rows[0]["id"], rows[1]["id"]]},
    )
    assert data["consensusAgreement"][0]["labelCount"] == 3
    assert data["consensusAgreement"][0]["agreement"] == pytest.approx(1 / 3)
    assert data["consensusAgreement"][1] == {
        "dataRowId": rows[1]["id"],
        "labelCount": 0,
        "agreement": None,
    }
    error = await api.error(
        "mutation($id: ID!) { setBenchmarkReference(labelId: $id) { id } }", {"id": first["id"]}
    )
    assert "benchmarks need a BENCHMARK project" in error["message"]

    benchmark_project, _ = await labeled_project(api, 1, prefix="bench")
    error = await api.error(
        "query($p: ID!) { consensusAgreement(projectId: $p, dataRowIds: []) { agreement } }",
        {"p": benchmark_project},
    )
    assert "does not use consensus" in error["message"]
    error = await api.error(
        "query($p: ID!, $ids: [ID!]!) { consensusAgreement(projectId: $p, dataRowIds: $ids) { agreement } }",
        {"p": project_id, "ids": ["x"] * 1001},
    )
    assert "At most 1000 data rows" in error["message"]


async def test_label_events_reach_webhooks(api: Api, app: Starlette) -> None:
    project_id, rows = await labeled_project(api, 1)
    hook = await api.data(
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }",
        {
            "input": {
                "projectId": project_id,
                "url": "http://127.0.0.1:9/hook",
                "secret": "s",
                "topics": ["LABEL_CREATED", "LABEL_UPDATED", "LABEL_DELETED", "REVIEW_CREATED"],
            }
        },
    )
    label = await create_label(api, project_id, rows[0]["id"], [box()])
    await api.data(
        "mutation($id: ID!) { updateLabel(id: $id, input: {secondsToLabel: 1}) { id } }",
        {"id": label["id"]},
    )
    await api.data(
        "mutation($id: ID!) { createReview(labelId: $id, score: 1) { id } }", {"id": label["id"]}
    )
    await api.data(
        "mutation($ids: [ID!]!) { deleteLabels(ids: $ids) { deletedCount } }",
        {"ids": [label["id"]]},
    )
    async with app.state.labelkit.sessions() as session:
        topics = list(
            await session.scalars(
                select(WebhookDelivery.topic)
                .where(WebhookDelivery.webhook_id == hook["createWebhook"]["id"])
                .order_by(WebhookDelivery.id)
            )
        )
    assert topics == ["LABEL_CREATED", "LABEL_UPDATED", "REVIEW_CREATED", "LABEL_DELETED"]
