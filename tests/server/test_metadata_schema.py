"""The metadata schema and the checks row metadata gets wherever rows are written."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from .conftest import CREATE_ROWS, Api

SCHEMA = "{ metadataSchema { id name kind options reserved } }"
CREATE_FIELD = """
mutation($input: MetadataFieldInput!) {
  createMetadataField(input: $input) { id name kind options reserved }
}
"""
UPDATE_ROW = """
mutation($id: ID!, $input: UpdateDataRowInput!) { updateDataRow(id: $id, input: $input) { metadata } }
"""
IMPORT = """
mutation($datasetId: ID!, $rows: JSON!) {
  importDataRows(datasetId: $datasetId, rows: $rows) { result failedDataRows }
}
"""


async def create_field(api: Api, name: str, kind: str, options: Any = None) -> dict[str, Any]:
    field_input = {"name": name, "kind": kind, **({"options": options} if options else {})}
    return dict((await api.data(CREATE_FIELD, {"input": field_input}))["createMetadataField"])


async def test_reserved_fields_come_first_then_custom_ones(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    fields = (await api.data(SCHEMA))["metadataSchema"]
    assert [(f["name"], f["kind"], f["options"], f["reserved"]) for f in fields] == [
        ("tag", "STRING", [], True),
        ("split", "ENUM", ["train", "valid", "test"], True),
        ("captureDateTime", "DATETIME", [], True),
    ]
    score = await create_field(api, "score", "NUMBER")
    weather = await create_field(api, "weather", "ENUM", ["sun", "rain"])
    assert score["id"].startswith("mdf_") and not score["reserved"] and score["options"] == []
    assert weather["options"] == ["sun", "rain"]
    names = [f["name"] for f in (await api.data(SCHEMA))["metadataSchema"]]
    assert names == ["tag", "split", "captureDateTime", "score", "weather"]
    # Per organization.
    other = await new_api()
    assert len((await other.data(SCHEMA))["metadataSchema"]) == 3
    await create_field(other, "score", "STRING")


async def test_create_field_errors(api: Api) -> None:
    await create_field(api, "taken", "STRING")
    for name in ("taken", "split", "tag"):
        error = await api.error(CREATE_FIELD, {"input": {"name": name, "kind": "STRING"}})
        assert error["extensions"]["code"] == "CONFLICT", name
    for field_input in (
        {"name": "e", "kind": "ENUM"},
        {"name": "e", "kind": "ENUM", "options": []},
        {"name": "e", "kind": "ENUM", "options": ["a", "a"]},
        {"name": "s", "kind": "STRING", "options": ["a"]},
        {"name": " ", "kind": "NUMBER"},
    ):
        error = await api.error(CREATE_FIELD, {"input": field_input})
        assert error["extensions"]["code"] == "VALIDATION", field_input


async def test_metadata_is_checked_wherever_rows_are_written(api: Api) -> None:
    await create_field(api, "score", "NUMBER")
    await create_field(api, "weather", "ENUM", ["sun", "rain"])
    await create_field(api, "when", "DATETIME")
    await create_field(api, "note", "STRING")
    dataset = await api.create_dataset()
    good = {"score": 1.5, "weather": "sun", "when": "2026-01-01", "note": "n", "split": "test"}
    created = await api.create_rows(dataset["id"], [{"rowData": "ok", "metadata": good}])
    row_id = created["dataRows"][0]["id"]
    assert created["dataRows"][0]["metadata"] == good

    bad: list[tuple[Any, str]] = [
        ({"score": "high"}, "'score' must be a number"),
        ({"score": True}, "'score' must be a number"),
        ({"weather": "snow"}, "'weather' must be one of sun, rain"),
        ({"when": "yesterday"}, "'when'"),
        ({"note": 1}, "'note' must be a string"),
        ({"undeclared": 1}, "metadata field 'undeclared' is not in the organization's"),
        (["a"], "metadata must be a JSON object"),
    ]
    for position, (metadata, reason) in enumerate(bad):
        rows = [{"rowData": "fine"}, {"rowData": "bad", "metadata": metadata}]
        error = await api.error(CREATE_ROWS, {"datasetId": dataset["id"], "rows": rows})
        assert error["extensions"]["code"] == "VALIDATION", metadata
        assert "rows[1]" in error["message"] and reason in error["message"], error

        error = await api.error(UPDATE_ROW, {"id": row_id, "input": {"metadata": metadata}})
        assert error["extensions"]["code"] == "VALIDATION" and reason in error["message"]

        task = (
            await api.data(
                IMPORT,
                {"datasetId": dataset["id"], "rows": [{"row_data": "x", "metadata": metadata}]},
            )
        )["importDataRows"]
        assert task["result"]["failedCount"] == 1, position
        assert reason in task["failedDataRows"][0]["reason"]

    updated = await api.data(UPDATE_ROW, {"id": row_id, "input": {"metadata": {"score": 2}}})
    assert updated["updateDataRow"]["metadata"] == {"score": 2}
    count = await api.data(
        "query($id: ID!) { dataset(id: $id) { rowCount } }", {"id": dataset["id"]}
    )
    assert count["dataset"]["rowCount"] == 1


async def test_a_new_field_is_usable_at_once(api: Api) -> None:
    dataset = await api.create_dataset()
    name = f"f_{uuid.uuid4().hex[:6]}"
    rows = [{"row_data": "x", "metadata": {name: "v"}}]
    before = (await api.data(IMPORT, {"datasetId": dataset["id"], "rows": rows}))["importDataRows"]
    assert before["result"]["failedCount"] == 1
    await create_field(api, name, "STRING")
    after = (await api.data(IMPORT, {"datasetId": dataset["id"], "rows": rows}))["importDataRows"]
    assert after["result"]["createdCount"] == 1
