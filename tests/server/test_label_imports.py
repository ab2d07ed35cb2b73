"""Annotation imports and predictions over raw GraphQL: chunks, per-annotation statuses,
grouping by data row across chunks, finishing, deleting with pre-labels, bulk predictions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .conftest import Api
from .label_helpers import TASK_FIELDS, box, labeled_project

IMPORT_FIELDS = (
    "id projectId name kind state taskId annotationCount successCount failureCount errors"
)
CREATE_IMPORT = f"""
mutation($p: ID!, $name: String!, $kind: LabelImportKind!) {{
  createLabelImport(projectId: $p, name: $name, kind: $kind) {{ {IMPORT_FIELDS} }}
}}
"""
IMPORT_CHUNK = f"""
mutation($id: ID!, $rows: JSON!, $offset: Int!) {{
  importAnnotations(importId: $id, rows: $rows, offset: $offset) {{ {TASK_FIELDS} }}
}}
"""
FINISH = f"""
mutation($id: ID!, $error: String) {{ finishLabelImport(id: $id, error: $error) {{ {IMPORT_FIELDS} }} }}
"""
STATUSES = """
query($id: ID!, $onlyErrors: Boolean, $first: Int, $after: String) {
  annotationStatuses(importId: $id, onlyErrors: $onlyErrors, first: $first, after: $after) {
    edges { node { index uuid dataRowId globalKey name status errors } }
    pageInfo { hasNextPage endCursor } totalCount
  }
}
"""


async def start_import(api: Api, project_id: str, kind: str, name: str = "imp") -> dict[str, Any]:
    data = await api.data(CREATE_IMPORT, {"p": project_id, "name": name, "kind": kind})
    return dict(data["createLabelImport"])


async def send(api: Api, import_id: str, rows: list[Any], offset: int) -> dict[str, Any]:
    data = await api.data(IMPORT_CHUNK, {"id": import_id, "rows": rows, "offset": offset})
    return dict(data["importAnnotations"])


def on(row: dict[str, Any], annotation: dict[str, Any], by: str = "id") -> dict[str, Any]:
    key = "id" if by == "id" else "global_key"
    return {**annotation, "data_row": {key: row["id"] if by == "id" else row["globalKey"]}}


async def test_ground_truth_import_groups_rows_across_chunks(api: Api) -> None:
    project_id, rows = await labeled_project(api, 3)
    imp = await start_import(api, project_id, "GROUND_TRUTH", "gt")
    assert imp["state"] == "RUNNING" and imp["kind"] == "GROUND_TRUTH"
    first = await send(
        api,
        imp["id"],
        [
            on(rows[0], box(uuid="a")),
            on(rows[1], {"name": "notes", "answer": "x"}, by="key"),
            on(rows[0], {"name": "truck", "point": {"x": 1, "y": 1}}),
            {"name": "notes", "answer": "x"},
            on(rows[0], box(uuid="a")),
        ],
        0,
    )
    assert first["status"] == "COMPLETE"
    assert first["result"]["createdCount"] == 2 and first["result"]["failedCount"] == 3
    reasons = {f["index"]: f["reason"] for f in first["failedDataRows"]}
    assert "unknown tool 'truck'" in reasons[2]
    assert "needs data_row" in reasons[3]
    assert "uuid 'a' is already used on this data row" in reasons[4]
    # A later chunk adds to the same label of row 0.
    second = await send(
        api,
        imp["id"],
        [
            on(rows[0], {"name": "wheel", "point": {"x": 1, "y": 2}}),
            on(rows[2], box(), by="key"),
            {**box(), "data_row": {"global_key": "nope"}},
            {**box(), "data_row": {"id": "dr_x", "global_key": "y"}},
        ],
        5,
    )
    assert second["result"]["createdCount"] == 2
    assert second["result"]["labelsCreated"] == 1 and second["result"]["labelsUpdated"] == 1
    finished = (await api.data(FINISH, {"id": imp["id"]}))["finishLabelImport"]
    assert finished["state"] == "FINISHED"
    assert (finished["annotationCount"], finished["successCount"], finished["failureCount"]) == (
        9,
        4,
        5,
    )
    task = await api.data(
        f"query($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} }} }}", {"id": imp["taskId"]}
    )
    assert task["task"]["status"] == "COMPLETE"
    assert task["task"]["result"]["createdCount"] == 4

    labels = await api.data(
        "query($p: ID!) { labels(projectId: $p) { edges { node { dataRowId importId annotations } } } }",
        {"p": project_id},
    )
    by_row = {e["node"]["dataRowId"]: e["node"] for e in labels["labels"]["edges"]}
    assert {n["importId"] for n in by_row.values()} == {imp["id"]}
    assert [a["name"] for a in by_row[rows[0]["id"]]["annotations"]] == ["car", "wheel"]
    assert len(by_row) == 3
    queues = await api.data(
        "query($p: ID!) { taskQueues(projectId: $p) { queueType dataRowCount } }", {"p": project_id}
    )
    assert {q["queueType"]: q["dataRowCount"] for q in queues["taskQueues"]}["DONE"] == 3

    page = (await api.data(STATUSES, {"id": imp["id"], "first": 4}))["annotationStatuses"]
    assert page["totalCount"] == 9 and page["pageInfo"]["hasNextPage"]
    nodes = [e["node"] for e in page["edges"]]
    assert [n["index"] for n in nodes] == [0, 1, 2, 3]
    assert nodes[0] == {
        "index": 0,
        "uuid": "a",
        "dataRowId": rows[0]["id"],
        "globalKey": "img-0",
        "name": "car",
        "status": "SUCCESS",
        "errors": [],
    }
    assert nodes[2]["status"] == "FAILURE" and "unknown tool" in nodes[2]["errors"][0]
    rest = await api.data(STATUSES, {"id": imp["id"], "after": page["pageInfo"]["endCursor"]})
    assert [e["node"]["index"] for e in rest["annotationStatuses"]["edges"]] == [4, 5, 6, 7, 8]
    errors = (await api.data(STATUSES, {"id": imp["id"], "onlyErrors": True}))["annotationStatuses"]
    assert [e["node"]["index"] for e in errors["edges"]] == [2, 3, 4, 7, 8]
    assert errors["edges"][3]["node"]["globalKey"] == "nope"
    bad_cursor = await api.error(STATUSES, {"id": imp["id"], "after": "garbage"})
    assert bad_cursor["extensions"]["code"] == "VALIDATION"

    closed = await api.error(IMPORT_CHUNK, {"id": imp["id"], "rows": [], "offset": 9})
    assert closed["extensions"]["code"] == "CONFLICT" and "FINISHED" in closed["message"]


async def test_prelabel_import_writes_predictions_and_delete_removes_them(api: Api) -> None:
    project_id, rows = await labeled_project(api, 2)
    imp = await start_import(api, project_id, "PRELABEL", "mal")
    await send(api, imp["id"], [on(rows[0], box()), on(rows[1], box())], 0)
    failed = (await api.data(FINISH, {"id": imp["id"], "error": "client stopped"}))[
        "finishLabelImport"
    ]
    assert failed["state"] == "FAILED" and failed["errors"] == ["client stopped"]
    predictions = await api.data(
        "query($p: ID!) { predictions(projectId: $p) { totalCount edges { node { importId modelVersion } } } }",
        {"p": project_id},
    )
    assert predictions["predictions"]["totalCount"] == 2
    count = await api.data(
        "query($id: ID!) { project(id: $id) { labelCount } }", {"id": project_id}
    )
    assert count["project"]["labelCount"] == 0  # pre-labels are not labels
    imports = await api.data(
        "query($p: ID!) { labelImports(projectId: $p) { totalCount edges { node { id name } } } }",
        {"p": project_id},
    )
    assert [e["node"]["name"] for e in imports["labelImports"]["edges"]] == ["mal"]

    deleted = await api.data(
        "mutation($id: ID!) { deleteLabelImport(id: $id) { deletedCount } }", {"id": imp["id"]}
    )
    assert deleted["deleteLabelImport"]["deletedCount"] == 1
    after = await api.data(
        "query($p: ID!) { predictions(projectId: $p) { totalCount } }", {"p": project_id}
    )
    assert after["predictions"]["totalCount"] == 0
    gone = await api.error("query($id: ID!) { labelImport(id: $id) { id } }", {"id": imp["id"]})
    assert gone["extensions"]["code"] == "NOT_FOUND"


async def test_import_input_errors(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    project_id, _ = await labeled_project(api, 1)
    imp = await start_import(api, project_id, "GROUND_TRUTH")
    for variables, message in [
        ({"rows": {"a": 1}, "offset": 0}, "rows must be a JSON array"),
        ({"rows": [{}] * 10_001, "offset": 0}, "At most 10000 annotations"),
        ({"rows": [], "offset": -1}, "offset must be >= 0"),
    ]:
        error = await api.error(IMPORT_CHUNK, {"id": imp["id"], **variables})
        assert error["extensions"]["code"] == "VALIDATION" and message in error["message"]
    blank = await api.error(CREATE_IMPORT, {"p": project_id, "name": " ", "kind": "PRELABEL"})
    assert "name must not be empty" in blank["message"]
    bare = (await api.create_project("No ontology"))["id"]
    no_ontology = await api.error(CREATE_IMPORT, {"p": bare, "name": "x", "kind": "PRELABEL"})
    assert "has no ontology" in no_ontology["message"]
    intruder = await new_api()
    for query, variables in [
        (IMPORT_CHUNK, {"id": imp["id"], "rows": [], "offset": 0}),
        (FINISH, {"id": imp["id"]}),
        (STATUSES, {"id": imp["id"]}),
        (CREATE_IMPORT, {"p": project_id, "name": "x", "kind": "PRELABEL"}),
    ]:
        error = await intruder.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error


PREDICT = f"""
mutation($p: ID!, $rows: JSON!, $offset: Int) {{
  importPredictions(projectId: $p, rows: $rows, offset: $offset) {{ {TASK_FIELDS} }}
}}
"""


async def test_predictions_create_bulk_list_and_to_labels(api: Api) -> None:
    project_id, rows = await labeled_project(api, 2)
    one = await api.data(
        "mutation($input: CreatePredictionInput!) { createPrediction(input: $input) "
        "{ id dataRowId globalKey modelVersion score annotations } }",
        {
            "input": {
                "projectId": project_id,
                "globalKey": "img-0",
                "annotations": [box()],
                "score": 0.9,
                "modelVersion": "v1",
            }
        },
    )
    assert one["createPrediction"]["globalKey"] == "img-0"
    assert one["createPrediction"]["annotations"][0]["feature_schema_id"]
    task = (
        await api.data(
            PREDICT,
            {
                "p": project_id,
                "offset": 100,
                "rows": [
                    {
                        "data_row": {"id": rows[1]["id"]},
                        "annotations": [box()],
                        "model_version": "v2",
                    },
                    {"data_row": {"global_key": "img-1"}, "result": [box()], "score": 0.5},
                    {"data_row": {"id": rows[1]["id"]}, "annotations": [box("truck")]},
                    {"data_row": {"id": rows[1]["id"]}, "annotations": [], "score": "high"},
                    {"data_row": {"global_key": "missing"}, "annotations": []},
                    {"data_row": {"id": rows[1]["id"]}, "annotations": [], "extra": 1},
                ],
            },
        )
    )["importPredictions"]
    assert task["result"]["createdCount"] == 2 and task["result"]["failedCount"] == 4
    reasons = [f["reason"] for f in task["failedDataRows"]]
    assert "unknown tool 'truck'" in reasons[0]
    assert "score must be a finite number" in reasons[1]
    assert "not found" in reasons[2]
    assert "unknown field(s) ['extra']" in reasons[3]
    assert [f["index"] for f in task["failedDataRows"]] == [2, 3, 4, 5]
    listing = await api.data(
        "query($p: ID!, $v: String) { predictions(projectId: $p, modelVersion: $v) { totalCount } }",
        {"p": project_id, "v": "v2"},
    )
    assert listing["predictions"]["totalCount"] == 1

    converted = await api.data(
        f"mutation($p: ID!, $v: [String!]) {{ predictionsToLabels(projectId: $p, modelVersions: $v) {{ {TASK_FIELDS} }} }}",
        {"p": project_id, "v": ["v1", "v2"]},
    )
    assert converted["predictionsToLabels"]["result"]["createdCount"] == 2
    count = await api.data(
        "query($id: ID!) { project(id: $id) { labelCount } }", {"id": project_id}
    )
    assert count["project"]["labelCount"] == 2
    deleted = await api.data(
        "mutation($ids: [ID!]!) { deletePredictions(ids: $ids) { deletedCount } }",
        {"ids": [one["createPrediction"]["id"]]},
    )
    assert deleted["deletePredictions"]["deletedCount"] == 1
    error = await api.error(
        "mutation($input: CreatePredictionInput!) { createPrediction(input: $input) { id } }",
        {
            "input": {
                "projectId": project_id,
                "globalKey": "img-0",
                "annotations": [],
                "modelVersion": "",
            }
        },
    )
    assert "model_version must be a non-empty string" in error["message"]
