"""Exports over raw GraphQL and GET /exports/{id}/stream: rows, params, every filter, resuming
by offset, snapshots (lifecycle, failure, deletion), input errors, isolation."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from labelkit.server import exports as server_exports

from .conftest import Api
from .label_helpers import box, create_label, labeled_project

EXPORT_FIELDS = "id projectId datasetId title snapshot status rowCount params filters errors streamPath finishedAt"
CREATE_EXPORT = f"""
mutation($input: CreateExportInput!) {{ createExport(input: $input) {{ {EXPORT_FIELDS} }} }}
"""
GET_EXPORT = f"query($id: ID!) {{ export(id: $id) {{ {EXPORT_FIELDS} }} }}"
ALL_PARAMS = {
    "attachments": True,
    "metadataFields": True,
    "dataRowDetails": True,
    "projectDetails": True,
    "labelDetails": True,
    "performanceDetails": True,
    "predictions": True,
}


async def create_export(api: Api, **input: Any) -> dict[str, Any]:
    return dict((await api.data(CREATE_EXPORT, {"input": input}))["createExport"])


async def stream(
    api: Api, export: dict[str, Any], offset: int | None = None
) -> list[dict[str, Any]]:
    params = {} if offset is None else {"offset": str(offset)}
    response = await api.client.get(
        "/" + export["streamPath"],
        params=params,
        headers={"Authorization": f"Bearer {api.api_key}"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [json.loads(line) for line in response.text.splitlines()]


async def rows_of(api: Api, project_id: str, **input: Any) -> list[dict[str, Any]]:
    return await stream(api, await create_export(api, projectId=project_id, **input))


async def test_project_export_rows_with_every_param(api: Api) -> None:
    project_id, rows = await labeled_project(api, 3)
    label = await create_label(api, project_id, rows[0]["id"], [box()], secondsToLabel=4.0)
    await api.data(
        "mutation($id: ID!) { createReview(labelId: $id, score: 1) { id } }", {"id": label["id"]}
    )
    await api.data(
        "mutation($input: CreatePredictionInput!) { createPrediction(input: $input) { id } }",
        {
            "input": {
                "projectId": project_id,
                "dataRowId": rows[1]["id"],
                "annotations": [box()],
                "modelVersion": "v1",
                "score": 0.5,
            }
        },
    )
    export = await create_export(api, projectId=project_id, params=ALL_PARAMS, title="all")
    assert export["status"] == "COMPLETED" and export["rowCount"] == 3 and not export["snapshot"]
    assert export["params"]["label_details"] is True and export["finishedAt"]
    lines = await stream(api, export)
    assert [line["data_row"]["global_key"] for line in lines] == ["img-0", "img-1", "img-2"]
    first = lines[0]
    assert first["data_row"]["details"]["dataset_id"] == rows[0]["datasetId"]
    assert first["data_row"]["metadata_fields"] == {} and first["data_row"]["attachments"] == []
    assert first["project_details"] == {
        "project_id": project_id,
        "workflow_status": "Done",
        "batch_id": first["project_details"]["batch_id"],
    }
    (exported,) = first["labels"]
    assert exported["id"] == label["id"] and exported["annotations"] == label["annotations"]
    details = exported["label_details"]
    assert details["created_by"] == "admin@localhost" or "@" in details["created_by"]
    assert [r["score"] for r in details["reviews"]] == [1.0]
    assert exported["performance_details"]["seconds_to_label"] == 4.0
    assert lines[1]["predictions"][0]["model_version"] == "v1"
    assert lines[1]["project_details"]["workflow_status"] == "ToLabel"

    bare = await rows_of(api, project_id)
    assert set(bare[0]) == {"data_row", "labels"}
    assert set(bare[0]["data_row"]) == {"id", "global_key", "external_id", "row_data"}

    resumed = await stream(api, export, offset=1)
    assert resumed == lines[1:]
    assert await stream(api, export, offset=10) == []


async def test_dataset_export_and_attachments(api: Api) -> None:
    project_id, rows = await labeled_project(api, 2)
    await create_label(api, project_id, rows[1]["id"], [box()])
    dataset = await api.create_dataset("Attached")
    await api.create_rows(
        dataset["id"],
        [
            {
                "rowData": "https://example.com/a.jpg",
                "globalKey": "att-0",
                "metadata": {"tag": "x"},
                "attachments": [{"type": "TEXT", "value": "hello", "name": "note"}],
            }
        ],
    )
    lines = await stream(
        api,
        await create_export(
            api, datasetId=dataset["id"], params={"attachments": True, "metadataFields": True}
        ),
    )
    assert lines[0]["data_row"]["attachments"] == [
        {"type": "TEXT", "value": "hello", "name": "note"}
    ]
    assert lines[0]["data_row"]["metadata_fields"] == {"tag": "x"}
    labeled = await stream(api, await create_export(api, datasetId=rows[0]["datasetId"]))
    assert [len(line["labels"]) for line in labeled] == [0, 1]
    assert labeled[1]["labels"][0]["project_id"] == project_id


async def test_each_filter(api: Api) -> None:
    project_id, rows = await labeled_project(api, 4)
    before = datetime.now(UTC)
    await asyncio.sleep(0.01)
    await create_label(api, project_id, rows[1]["id"], [box()])
    after = datetime.now(UTC) + timedelta(seconds=1)

    def keys(lines: list[dict[str, Any]]) -> list[str]:
        return [line["data_row"]["global_key"] for line in lines]

    window = {"start": before.isoformat(), "end": after.isoformat()}
    assert keys(await rows_of(api, project_id, filters={"labelCreatedAt": window})) == ["img-1"]
    assert (
        keys(
            await rows_of(api, project_id, filters={"labelCreatedAt": {"end": before.isoformat()}})
        )
        == []
    )
    assert keys(await rows_of(api, project_id, filters={"lastActivityAt": window})) == ["img-1"]
    assert (
        len(await rows_of(api, project_id, filters={"lastActivityAt": {"end": after.isoformat()}}))
        == 4
    )
    assert keys(await rows_of(api, project_id, filters={"workflowStatus": "IN_REVIEW"})) == [
        "img-1"
    ]
    assert keys(await rows_of(api, project_id, filters={"workflowStatus": "TO_LABEL"})) == [
        "img-0",
        "img-2",
        "img-3",
    ]
    assert await rows_of(api, project_id, filters={"workflowStatus": "DONE"}) == []
    assert keys(
        await rows_of(api, project_id, filters={"globalKeys": ["img-3", "img-0", "nope"]})
    ) == ["img-0", "img-3"]
    assert keys(await rows_of(api, project_id, filters={"dataRowIds": [rows[2]["id"]]})) == [
        "img-2"
    ]
    batches = await api.data(
        "query($p: ID!) { batches(projectId: $p) { edges { node { id name } } } }",
        {"p": project_id},
    )
    batch_id = next(
        e["node"]["id"] for e in batches["batches"]["edges"] if e["node"]["name"] == "batch-1"
    )
    assert len(await rows_of(api, project_id, filters={"batchIds": [batch_id]})) == 4
    combined = await rows_of(
        api, project_id, filters={"workflowStatus": "TO_LABEL", "globalKeys": ["img-1", "img-2"]}
    )
    assert keys(combined) == ["img-2"]


@pytest.mark.parametrize(
    ("input", "message"),
    [
        ({}, "exactly one of projectId and datasetId"),
        ({"datasetId": "ds_x", "projectId": "PROJECT"}, "exactly one of projectId and datasetId"),
        (
            {"projectId": "PROJECT", "filters": {"labelCreatedAt": {}}},
            "needs a start, an end or both",
        ),
        (
            {
                "projectId": "PROJECT",
                "filters": {
                    "lastActivityAt": {
                        "start": "2026-02-01T00:00:00Z",
                        "end": "2026-01-01T00:00:00Z",
                    }
                },
            },
            "is after end",
        ),
        ({"projectId": "PROJECT", "filters": {"globalKeys": []}}, "must not be empty"),
        (
            {"projectId": "PROJECT", "filters": {"dataRowIds": ["x"] * 100_001}},
            "at most 100000 values",
        ),
        ({"projectId": "PROJECT", "title": "t" * 256}, "title must be at most 255"),
        (
            {"projectId": "PROJECT", "filters": {"lastActivityAt": {"start": "yesterday"}}},
            "Invalid ISO 8601",
        ),
        ({"projectId": "PROJECT", "filters": {"workflowStatus": "SOMEDAY"}}, "SOMEDAY"),
    ],
)
async def test_export_input_errors(api: Api, input: dict[str, Any], message: str) -> None:
    project_id, _ = await labeled_project(api, 1)
    payload = {k: project_id if v == "PROJECT" else v for k, v in input.items()}
    error = await api.error(CREATE_EXPORT, {"input": payload})
    assert error["extensions"]["code"] == "VALIDATION", error
    assert message in error["message"], error


async def test_dataset_only_and_project_only_options(api: Api) -> None:
    project_id, rows = await labeled_project(api, 1)
    dataset_id = rows[0]["datasetId"]
    for input, message in [
        (
            {"filters": {"workflowStatus": "DONE"}},
            "filters.workflowStatus applies to project exports only",
        ),
        ({"filters": {"batchIds": ["bat_x"]}}, "filters.batchIds applies to project exports only"),
        (
            {"params": {"projectDetails": True}},
            "params.projectDetails applies to project exports only",
        ),
    ]:
        error = await api.error(CREATE_EXPORT, {"input": {"datasetId": dataset_id, **input}})
        assert error["extensions"]["code"] == "VALIDATION" and message in error["message"]
    missing_batch = await api.error(
        CREATE_EXPORT, {"input": {"projectId": project_id, "filters": {"batchIds": ["bat_nope"]}}}
    )
    assert missing_batch["extensions"]["code"] == "NOT_FOUND"


async def test_snapshot_lifecycle(api: Api, app: Starlette) -> None:
    project_id, rows = await labeled_project(api, 3)
    await create_label(api, project_id, rows[2]["id"], [box()])
    snapshot = await create_export(api, projectId=project_id, snapshot=True, title="nightly")
    assert snapshot["snapshot"] and snapshot["status"] in ("CREATED", "IN_PROGRESS", "COMPLETED")
    for _ in range(100):
        current = (await api.data(GET_EXPORT, {"id": snapshot["id"]}))["export"]
        if current["status"] == "COMPLETED":
            break
        await asyncio.sleep(0.02)
    assert current["status"] == "COMPLETED" and current["rowCount"] == 3 and current["finishedAt"]
    lines = await stream(api, current)
    assert len(lines) == 3 and lines[2]["labels"][0]["annotations"][0]["name"] == "car"
    assert await stream(api, current, offset=2) == lines[2:]
    assert await stream(api, current, offset=3) == []

    live = await create_export(api, projectId=project_id)
    listed = await api.data(
        "query($p: ID!, $s: Boolean) { exports(projectId: $p, snapshotsOnly: $s) { totalCount edges { node { id } } } }",
        {"p": project_id, "s": True},
    )
    assert [e["node"]["id"] for e in listed["exports"]["edges"]] == [snapshot["id"]]
    everything = await api.data(
        "query($p: ID!) { exports(projectId: $p) { totalCount } }", {"p": project_id}
    )
    assert everything["exports"]["totalCount"] == 2

    path = server_exports.snapshot_path(app.state.labelkit, api.organization_id, snapshot["id"])
    assert path.is_file()
    deleted = await api.data(
        "mutation($id: ID!) { deleteExport(id: $id) { deletedCount } }", {"id": snapshot["id"]}
    )
    assert deleted["deleteExport"]["deletedCount"] == 1
    assert not path.exists()
    response = await api.client.get(
        "/" + snapshot["streamPath"], headers={"Authorization": f"Bearer {api.api_key}"}
    )
    assert response.status_code == 404
    assert (await api.data(GET_EXPORT, {"id": live["id"]}))["export"]["status"] == "COMPLETED"


async def test_failed_snapshot_reports_why(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    project_id, _ = await labeled_project(api, 1)

    async def broken(*_args: Any) -> AsyncIterator[tuple[bytes, int]]:
        yield b'{"data_row":{}}\n', 1
        raise OSError("disk full")

    monkeypatch.setattr(server_exports, "async_batches", broken)
    snapshot = await create_export(api, projectId=project_id, snapshot=True)
    for _ in range(100):
        current = (await api.data(GET_EXPORT, {"id": snapshot["id"]}))["export"]
        if current["status"] == "FAILED":
            break
        await asyncio.sleep(0.02)
    assert current["status"] == "FAILED"
    assert current["errors"] == ["the snapshot could not be written: OSError"]
    response = await api.client.get(
        "/" + current["streamPath"], headers={"Authorization": f"Bearer {api.api_key}"}
    )
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT" and "FAILED" in error["message"]


async def test_stream_auth_isolation_and_offset_checks(
    api: Api, new_api: Callable[[], Awaitable[Api]], http: httpx.AsyncClient
) -> None:
    project_id, _ = await labeled_project(api, 1)
    export = await create_export(api, projectId=project_id)
    url = "/" + export["streamPath"]
    assert (await http.get(url)).status_code == 401
    intruder = await new_api()
    other = await http.get(url, headers={"Authorization": f"Bearer {intruder.api_key}"})
    assert (
        other.status_code == 404 and other.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    )
    for query, variables in [
        (GET_EXPORT, {"id": export["id"]}),
        ("mutation($id: ID!) { deleteExport(id: $id) { deletedCount } }", {"id": export["id"]}),
        (CREATE_EXPORT, {"input": {"projectId": project_id}}),
    ]:
        error = await intruder.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND"
    bad = await http.get(
        url, params={"offset": "-1"}, headers={"Authorization": f"Bearer {api.api_key}"}
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
