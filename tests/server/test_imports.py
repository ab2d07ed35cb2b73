"""importDataRows and task: per-row failures, conflict policies, atomicity, key races."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from labelkit.server import bulk_sql
from labelkit.server.models import Attachment, DataRow, Task
from labelkit.server.resolvers import imports

from .conftest import Api

TASK_FIELDS = "id name status completionPercentage createdAt updatedAt result errors failedDataRows"
IMPORT = f"""
mutation($datasetId: ID!, $rows: JSON!, $onConflict: ConflictPolicy) {{
  importDataRows(datasetId: $datasetId, rows: $rows, onConflict: $onConflict) {{ {TASK_FIELDS} }}
}}
"""
TASK = f"query($id: ID!) {{ task(id: $id) {{ {TASK_FIELDS} }} }}"
ROW = """
query($key: String!) {
  dataRowByGlobalKey(globalKey: $key) {
    id datasetId rowData globalKey externalId mediaType metadata attachments { type value name }
  }
}
"""
ROW_COUNT = "query($id: ID!) { dataset(id: $id) { rowCount } }"


def unique() -> str:
    return uuid.uuid4().hex[:8]


async def run_import(
    api: Api, dataset_id: str, rows: Any, on_conflict: str | None = None
) -> dict[str, Any]:
    variables: dict[str, Any] = {"datasetId": dataset_id, "rows": rows}
    if on_conflict is not None:
        variables["onConflict"] = on_conflict
    return dict((await api.data(IMPORT, variables))["importDataRows"])


async def row_count(api: Api, dataset_id: str) -> int:
    return int((await api.data(ROW_COUNT, {"id": dataset_id}))["dataset"]["rowCount"])


def keyed_rows(prefix: str, count: int, **extra: Any) -> list[dict[str, Any]]:
    return [
        {
            "row_data": f"https://example.com/{prefix}/{i}.jpg",
            "global_key": f"{prefix}-{i}",
            **extra,
        }
        for i in range(count)
    ]


async def test_import_creates_rows_and_a_persistent_task(api: Api) -> None:
    dataset = await api.create_dataset()
    prefix = unique()
    rows: list[Any] = keyed_rows(prefix, 3, external_id="e")
    rows[0] = {
        **rows[0],
        "media_type": "image",
        "metadata": {"split": "valid", "tag": "t", "captureDateTime": "2026-01-02T03:04:05Z"},
        "attachments": [{"type": "raw_text", "value": "hello", "name": "note"}],
    }
    rows[1] = {"rowData": "camel", "globalKey": f"{prefix}-camel", "externalId": "x"}
    task = await run_import(api, dataset["id"], rows)
    assert task["status"] == "COMPLETE" and task["completionPercentage"] == 100
    assert task["name"] == "import data rows" and task["errors"] == []
    assert task["result"] == {
        "createdCount": 3,
        "updatedCount": 0,
        "skippedCount": 0,
        "failedCount": 0,
    }
    assert task["failedDataRows"] == []
    assert (await api.data(TASK, {"id": task["id"]}))["task"] == task
    assert await row_count(api, dataset["id"]) == 3

    first = (await api.data(ROW, {"key": f"{prefix}-0"}))["dataRowByGlobalKey"]
    assert first["datasetId"] == dataset["id"] and first["mediaType"] == "IMAGE"
    assert first["metadata"]["split"] == "valid"
    assert first["attachments"] == [{"type": "RAW_TEXT", "value": "hello", "name": "note"}]
    camel = (await api.data(ROW, {"key": f"{prefix}-camel"}))["dataRowByGlobalKey"]
    assert (camel["rowData"], camel["externalId"]) == ("camel", "x")

    # Rows keep the input order: ids sort like the input.
    page = await api.data(
        "query($id: ID!) { dataRows(datasetId: $id) { edges { node { globalKey } } } }",
        {"id": dataset["id"]},
    )
    keys = [edge["node"]["globalKey"] for edge in page["dataRows"]["edges"]]
    assert keys == [f"{prefix}-0", f"{prefix}-camel", f"{prefix}-2"]


async def test_every_bad_row_is_reported_and_the_rest_land(api: Api) -> None:
    dataset = await api.create_dataset()
    prefix = unique()
    good = keyed_rows(prefix, 1)[0]
    cases: list[tuple[Any, str]] = [
        ("not a row", "not a JSON object"),
        ({"global_key": f"{prefix}-nodata", "external_id": "x"}, "row_data"),
        ({"row_data": "  "}, "row_data"),
        ({"row_data": 5}, "row_data"),
        ({"row_data": "a", "bogus_field": 1}, "unknown field 'bogus_field'"),
        ({"row_data": "a", "row_data_x": 1}, "row_data_x"),
        ({"row_data": "a", "rowData": "b"}, "twice"),
        ({"row_data": "a", "media_type": "HOLOGRAM"}, "HOLOGRAM"),
        ({"row_data": "a", "global_key": ""}, "global_key"),
        ({"row_data": "a", "global_key": "k" * 256}, "global_key"),
        ({"row_data": "a", "external_id": 7}, "external_id"),
        ({"row_data": "a", "metadata": [1]}, "metadata must be a JSON object"),
        ({"row_data": "a", "metadata": {"undeclared": 1}}, "'undeclared'"),
        ({"row_data": "a", "metadata": {"split": "sideways"}}, "one of train, valid, test"),
        ({"row_data": "a", "metadata": {"tag": 3}}, "'tag'"),
        ({"row_data": "a", "metadata": {"captureDateTime": "yesterday"}}, "'captureDateTime'"),
        ({"row_data": "a", "attachments": [{"type": "TEXT", "value": "t"}] * 6}, "attachments"),
        ({"row_data": "a", "attachments": {"type": "TEXT"}}, "attachments"),
        ({"row_data": "a", "attachments": [{"type": "SMELL", "value": "t"}]}, "SMELL"),
        ({"row_data": "a", "attachments": [{"type": "TEXT", "value": ""}]}, "value"),
        ({"row_data": "a", "attachments": [{"type": "TEXT", "value": "v", "x": 1}]}, "'x'"),
        ({**good, "row_data": "again"}, "duplicate global key"),
    ]
    rows = [good, *(row for row, _ in cases)]
    task = await run_import(api, dataset["id"], rows)
    failures = task["failedDataRows"]
    assert [failure["index"] for failure in failures] == list(range(1, len(rows)))
    for failure, (_, expected) in zip(failures, cases, strict=True):
        assert expected in failure["reason"], (expected, failure)
    assert failures[1]["globalKey"] == f"{prefix}-nodata" and failures[1]["externalId"] == "x"
    assert failures[0]["globalKey"] is None
    assert task["result"]["createdCount"] == 1 and task["result"]["failedCount"] == len(cases)
    assert await row_count(api, dataset["id"]) == 1


async def test_whole_request_errors(api: Api) -> None:
    dataset = await api.create_dataset()
    too_many = await api.error(
        IMPORT, {"datasetId": dataset["id"], "rows": [{"row_data": "x"}] * 10_001}
    )
    assert too_many["extensions"]["code"] == "VALIDATION" and "10000" in too_many["message"]
    not_a_list = await api.error(IMPORT, {"datasetId": dataset["id"], "rows": {"row_data": "x"}})
    assert not_a_list["extensions"]["code"] == "VALIDATION"
    missing = await api.error(IMPORT, {"datasetId": "ds_missing", "rows": [{"row_data": "x"}]})
    assert missing["extensions"]["code"] == "NOT_FOUND"
    assert await row_count(api, dataset["id"]) == 0


async def test_tasks_are_scoped_to_their_organization(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    dataset = await api.create_dataset()
    task = await run_import(api, dataset["id"], [{"row_data": "x"}])
    other = await new_api()
    error = await other.error(TASK, {"id": task["id"]})
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert (await api.error(TASK, {"id": "tsk_missing"}))["extensions"]["code"] == "NOT_FOUND"
    # Another organization's dataset is not found either, and its rows are not touched.
    assert (await other.error(IMPORT, {"datasetId": dataset["id"], "rows": []}))["extensions"][
        "code"
    ] == "NOT_FOUND"


async def test_conflict_policies(api: Api) -> None:
    first, second = await api.create_dataset("first"), await api.create_dataset("second")
    prefix = unique()
    await run_import(api, first["id"], keyed_rows(prefix, 3, metadata={"tag": "old"}))
    await run_import(
        api,
        first["id"],
        [
            {
                "row_data": "a",
                "global_key": f"{prefix}-0",
                "attachments": [{"type": "TEXT", "value": "old"}],
            }
        ],
        "UPDATE",
    )
    again = keyed_rows(prefix, 4)  # three taken, one new

    errored = await run_import(api, second["id"], again)
    assert errored["result"] == {
        "createdCount": 1,
        "updatedCount": 0,
        "skippedCount": 0,
        "failedCount": 3,
    }
    assert [f["index"] for f in errored["failedDataRows"]] == [0, 1, 2]
    assert all(
        "already used" in f["reason"] and f"{prefix}-{f['index']}" in f["reason"]
        for f in errored["failedDataRows"]
    )

    skipped = await run_import(api, second["id"], again, "SKIP")
    assert skipped["result"]["skippedCount"] == 4 and skipped["result"]["createdCount"] == 0

    changed = [
        {**row, "row_data": "new", "external_id": "changed", "media_type": "TEXT",
         "attachments": [{"type": "HTML", "value": "new"}]}
        for row in again
    ]  # fmt: skip
    updated = await run_import(api, second["id"], changed, "UPDATE")
    assert updated["result"]["updatedCount"] == 4 and updated["result"]["createdCount"] == 0
    row = (await api.data(ROW, {"key": f"{prefix}-0"}))["dataRowByGlobalKey"]
    # Updated where it is (the first dataset), everything replaced, attachments too.
    assert row["datasetId"] == first["id"]
    assert (row["rowData"], row["externalId"], row["mediaType"]) == ("new", "changed", "TEXT")
    assert row["metadata"] == {} and row["attachments"] == [
        {"type": "HTML", "value": "new", "name": None}
    ]
    assert await row_count(api, first["id"]) == 3
    assert await row_count(api, second["id"]) == 1


async def test_a_key_repeated_in_the_request_fails_the_later_row(api: Api) -> None:
    dataset = await api.create_dataset()
    key = f"{unique()}-dup"
    rows = [
        {"row_data": "bad", "global_key": key, "media_type": "nope"},  # invalid: claims nothing
        {"row_data": "first", "global_key": key},
        {"row_data": "second", "global_key": key},
    ]
    task = await run_import(api, dataset["id"], rows, "UPDATE")
    assert [f["index"] for f in task["failedDataRows"]] == [0, 2]
    assert "duplicate global key" in task["failedDataRows"][1]["reason"]
    assert (await api.data(ROW, {"key": key}))["dataRowByGlobalKey"]["rowData"] == "first"


async def test_a_failure_mid_import_leaves_nothing(
    api: Api, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = await api.create_dataset()
    prefix = unique()
    rows = keyed_rows(prefix, 5, attachments=[{"type": "TEXT", "value": "t"}])

    def explode(*_args: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "_task_record", explode)  # after the rows are written
    error = await api.error(IMPORT, {"datasetId": dataset["id"], "rows": rows})
    assert error["extensions"]["code"] == "INTERNAL" and "fire" not in error["message"]
    monkeypatch.undo()

    assert await row_count(api, dataset["id"]) == 0
    async with app.state.labelkit.sessions() as session:
        rows_left = await session.scalar(
            select(func.count()).select_from(DataRow).where(DataRow.dataset_id == dataset["id"])
        )
        attachments_left = await session.scalar(
            select(func.count())
            .select_from(Attachment)
            .join(DataRow, DataRow.id == Attachment.data_row_id)
            .where(DataRow.dataset_id == dataset["id"])
        )
        tasks = await session.scalar(
            select(func.count())
            .select_from(Task)
            .where(Task.organization_id == api.organization_id)
        )
    assert (rows_left, attachments_left, tasks) == (0, 0, 0)
    # And the same import then goes through.
    assert (await run_import(api, dataset["id"], rows))["result"]["createdCount"] == 5


async def test_a_key_taken_between_check_and_insert_is_redone(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race on the unique index: the key check saw nothing, the insert then collides."""
    dataset = await api.create_dataset()
    prefix = unique()
    await run_import(api, dataset["id"], keyed_rows(prefix, 2))
    calls: list[int] = []
    for writer in (bulk_sql.SqliteWriter, bulk_sql.PostgresWriter):
        original = writer.taken_keys

        async def stale_once(
            self: bulk_sql.BulkWriter,
            organization_id: str,
            keys: Any,
            _original: Any = original,
        ) -> dict[str, tuple[str, str]]:
            calls.append(1)
            if len(calls) == 1:
                return {}  # as if the other import had not committed yet
            result: dict[str, tuple[str, str]] = await _original(self, organization_id, keys)
            return result

        monkeypatch.setattr(writer, "taken_keys", stale_once)
    task = await run_import(api, dataset["id"], keyed_rows(prefix, 3))
    assert len(calls) == 2
    assert task["result"]["createdCount"] == 1 and task["result"]["failedCount"] == 2
    assert await row_count(api, dataset["id"]) == 3


async def test_concurrent_imports_of_overlapping_keys_never_duplicate(api: Api) -> None:
    datasets = [await api.create_dataset(f"race {i}") for i in range(4)]
    prefix = unique()
    # Every import carries keys 0..199; each dataset's slice starts elsewhere.
    batches = [
        [{"row_data": f"{i}", "global_key": f"{prefix}-{(start + i) % 200}"} for i in range(200)]
        for start in (0, 50, 100, 150)
    ]
    tasks = await asyncio.gather(
        *(run_import(api, ds["id"], rows) for ds, rows in zip(datasets, batches, strict=True))
    )
    created = sum(task["result"]["createdCount"] for task in tasks)
    failed = sum(task["result"]["failedCount"] for task in tasks)
    assert created == 200 and failed == 600
    assert all("already used" in f["reason"] for task in tasks for f in task["failedDataRows"])
    counts = [await row_count(api, ds["id"]) for ds in datasets]
    assert sum(counts) == 200
    lookup = await api.data(
        "query($keys: [String!]!) { dataRowIdsForGlobalKeys(globalKeys: $keys) { status } }",
        {"keys": [f"{prefix}-{i}" for i in range(200)]},
    )
    assert lookup["dataRowIdsForGlobalKeys"]["status"] == "SUCCESS"
