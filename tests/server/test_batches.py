"""Batches: limits, per-row failures, splitting, archive/delete, and org isolation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import insert, update
from starlette.applications import Starlette

from labelkit.server.ids import new_ids
from labelkit.server.models import DataRow, Dataset, utcnow

from .conftest import Api
from .workflow_helpers import BATCH_FIELDS, add_label, create_batch, project_with_rows, queue

TASK_FIELDS = "id name status result errors failedDataRows"
CREATE_BATCHES = f"""
mutation($projectId: ID!, $prefix: String!, $dataRows: JSON, $globalKeys: JSON, $priority: Int) {{
  createBatches(projectId: $projectId, namePrefix: $prefix, dataRows: $dataRows,
                globalKeys: $globalKeys, priority: $priority) {{ {TASK_FIELDS} }}
}}
"""
FROM_DATASET = f"""
mutation($projectId: ID!, $datasetId: ID!, $prefix: String!) {{
  createBatchesFromDataset(projectId: $projectId, datasetId: $datasetId, namePrefix: $prefix)
  {{ {TASK_FIELDS} }}
}}
"""
LIST = f"""query($projectId: ID!, $first: Int, $after: String) {{
  batches(projectId: $projectId, first: $first, after: $after) {{
    totalCount edges {{ node {{ {BATCH_FIELDS} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""


async def bulk_rows(app: Starlette, api: Api, count: int) -> tuple[str, list[str]]:
    """A dataset of `count` rows written straight to the database (fast, for large counts)."""
    dataset_id = (await api.create_dataset("Bulk"))["id"]
    ids = new_ids("dr", count)
    now = utcnow()
    async with app.state.labelkit.sessions.begin() as session:
        await session.execute(
            insert(DataRow),
            [
                {
                    "id": row_id,
                    "organization_id": api.organization_id,
                    "dataset_id": dataset_id,
                    "row_data": "x",
                    "global_key": f"bulk-{api.organization_id}-{index}",
                    "meta": {},
                    "created_at": now,
                    "updated_at": now,
                }
                for index, row_id in enumerate(ids)
            ],
        )
        await session.execute(
            update(Dataset).where(Dataset.id == dataset_id).values(row_count=count)
        )
    return dataset_id, ids


async def test_create_batch_by_ids_and_by_global_keys(api: Api) -> None:
    project_id, rows = await project_with_rows(api, 6)
    ids = [row["id"] for row in rows]

    by_ids = await create_batch(api, project_id, "first", dataRows=ids[:3])
    assert (by_ids["name"], by_ids["priority"], by_ids["size"]) == ("first", 5, 3)
    assert by_ids["failedDataRows"] == [] and by_ids["archived"] is False
    assert by_ids["consensusSettings"] is None and by_ids["projectId"] == project_id

    by_keys = await create_batch(
        api,
        project_id,
        "second",
        globalKeys=["row-3", "row-4", "row-4", "nope", "row-0"],
        priority=1,
    )
    assert (by_keys["size"], by_keys["priority"]) == (2, 1)
    reasons = {(f["globalKey"], f["reason"].split(" ")[0]) for f in by_keys["failedDataRows"]}
    assert reasons == {("row-4", "repeated"), ("nope", "no"), ("row-0", "already")}
    assert [f["index"] for f in by_keys["failedDataRows"]] == [2, 3, 4]

    fetched = await api.data(
        f"query($id: ID!) {{ batch(id: $id) {{ {BATCH_FIELDS} }} }}", {"id": by_keys["id"]}
    )
    assert fetched["batch"] == by_keys

    page = await api.data(LIST, {"projectId": project_id, "first": 1})
    assert page["batches"]["totalCount"] == 2 and page["batches"]["pageInfo"]["hasNextPage"]
    rest = await api.data(
        LIST, {"projectId": project_id, "after": page["batches"]["pageInfo"]["endCursor"]}
    )
    assert [e["node"]["name"] for e in page["batches"]["edges"] + rest["batches"]["edges"]] == [
        "first",
        "second",
    ]


async def test_batch_rules_and_limits(api: Api) -> None:
    project_id, rows = await project_with_rows(api, 3)
    ids = [row["id"] for row in rows]
    await create_batch(api, project_id, "taken", dataRows=ids[:1])

    async def rejected(**variables: Any) -> dict[str, Any]:
        return await api.error(
            "mutation($p: ID!, $n: String!, $d: JSON, $g: JSON, $priority: Int) { createBatch("
            "projectId: $p, name: $n, dataRows: $d, globalKeys: $g, priority: $priority) { id } }",
            {"p": project_id, **variables},
        )

    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"n": "taken", "d": ids[1:]}, "CONFLICT", "already has batches named 'taken'"),
        ({"n": "b", "d": ids[1:], "g": ["row-1"]}, "VALIDATION", "exactly one of"),
        ({"n": "b"}, "VALIDATION", "exactly one of"),
        ({"n": "b", "d": []}, "VALIDATION", "must not be empty"),
        ({"n": "b", "d": "row"}, "VALIDATION", "list of non-empty strings"),
        ({"n": "b", "d": ids[1:], "priority": 0}, "VALIDATION", "between 1 (highest) and 5"),
        ({"n": "b", "d": ids[1:], "priority": 6}, "VALIDATION", "between 1 (highest) and 5"),
        ({"n": " ", "d": ids[1:]}, "VALIDATION", "name must not be empty"),
        ({"n": "b", "d": [f"dr_{i}" for i in range(100_001)]}, "VALIDATION", "at most 100,000"),
        ({"n": "b", "d": ids[:1]}, "CONFLICT", "already in active batch"),
        ({"n": "b", "d": ["dr_missing"]}, "NOT_FOUND", "data row not found"),
    ]
    for variables, code, message in cases:
        error = await rejected(**variables)
        assert error["extensions"]["code"] == code, variables.get("n")
        assert message in error["message"], error["message"]

    # Exactly 100,000 is allowed by the limit: the ids are unknown, hence NOT_FOUND, not VALIDATION.
    at_limit = await rejected(n="b", d=[f"dr_{i}" for i in range(100_000)])
    assert at_limit["extensions"]["code"] == "NOT_FOUND"

    dataset_mode = await api.create_project("Dataset mode", queueMode="DATASET")
    error = await api.error(
        'mutation($p: ID!, $d: JSON) { createBatch(projectId: $p, name: "x", dataRows: $d) { id } }',
        {"p": dataset_mode["id"], "d": ids},
    )
    assert error["extensions"]["code"] == "VALIDATION" and "BATCH" in error["message"]


async def test_consensus_settings(api: Api) -> None:
    benchmark_id, rows = await project_with_rows(api, 2)
    error = await api.error(
        "mutation($p: ID!, $d: JSON, $c: ConsensusSettingsInput) { createBatch(projectId: $p, "
        'name: "c", dataRows: $d, consensusSettings: $c) { id } }',
        {
            "p": benchmark_id,
            "d": [rows[0]["id"]],
            "c": {"numberOfLabels": 3, "coveragePercentage": 0.5},
        },
    )
    assert error["extensions"]["code"] == "VALIDATION" and "CONSENSUS" in error["message"]

    consensus_id, rows = await project_with_rows(api, 4, prefix="c", qualityMode="CONSENSUS")
    batch = await create_batch(
        api,
        consensus_id,
        "c",
        dataRows=[rows[0]["id"]],
        consensusSettings={"numberOfLabels": 3, "coveragePercentage": 0.5},
    )
    assert batch["consensusSettings"] == {"numberOfLabels": 3, "coveragePercentage": 0.5}
    for settings, message in (
        ({"numberOfLabels": 1, "coveragePercentage": 0.5}, "between 2 and 20"),
        ({"numberOfLabels": 21, "coveragePercentage": 0.5}, "between 2 and 20"),
        ({"numberOfLabels": 2, "coveragePercentage": 1.5}, "0..1"),
    ):
        error = await api.error(
            "mutation($p: ID!, $d: JSON, $c: ConsensusSettingsInput) { createBatch(projectId: $p, "
            'name: "d", dataRows: $d, consensusSettings: $c) { id } }',
            {"p": consensus_id, "d": [rows[1]["id"]], "c": settings},
        )
        assert error["extensions"]["code"] == "VALIDATION" and message in error["message"]


async def test_create_batches_splits_at_100_000_rows(app: Starlette, api: Api) -> None:
    project_id = (await api.create_project("Big"))["id"]
    _, ids = await bulk_rows(app, api, 100_005)
    data = await api.data(
        CREATE_BATCHES,
        {"projectId": project_id, "prefix": "big-", "dataRows": [*ids, "dr_gone"], "priority": 2},
    )
    task = data["createBatches"]
    assert task["status"] == "COMPLETE" and task["errors"] == []
    assert task["result"]["batchNames"] == ["big-0000", "big-0001"]
    assert (task["result"]["createdCount"], task["result"]["failedCount"]) == (100_005, 1)
    assert task["failedDataRows"] == [
        {
            "index": 100_005,
            "dataRowId": "dr_gone",
            "globalKey": None,
            "reason": "data row not found",
        }
    ]
    listed = await api.data(LIST, {"projectId": project_id})
    sizes = [
        (e["node"]["name"], e["node"]["size"], e["node"]["priority"])
        for e in listed["batches"]["edges"]
    ]
    assert sizes == [("big-0000", 100_000, 2), ("big-0001", 5, 2)]
    # The first rows handed out are the first of the first batch.
    assert [row["dataRowId"] for row in await queue(api, project_id, 3)] == sorted(ids)[:3]

    again = await api.error(
        CREATE_BATCHES, {"projectId": project_id, "prefix": "big-", "dataRows": ids[:1]}
    )
    assert again["extensions"]["code"] == "CONFLICT" and "'big-0000'" in again["message"]
    over = await api.error(
        CREATE_BATCHES,
        {"projectId": project_id, "prefix": "x", "dataRows": [f"dr_{i}" for i in range(1_000_001)]},
    )
    assert over["extensions"]["code"] == "VALIDATION" and "at most 1,000,000" in over["message"]
    long_prefix = await api.error(
        CREATE_BATCHES, {"projectId": project_id, "prefix": "p" * 252, "dataRows": ids[:1]}
    )
    assert long_prefix["extensions"]["code"] == "VALIDATION"

    # Every row is busy now: a FAILED task, no batch.
    busy = (
        await api.data(
            CREATE_BATCHES,
            {
                "projectId": project_id,
                "prefix": "busy-",
                "globalKeys": [f"bulk-{api.organization_id}-0"],
            },
        )
    )["createBatches"]
    assert busy["status"] == "FAILED" and busy["result"]["batchIds"] == []
    assert busy["failedDataRows"][0]["reason"].startswith("already in active batch")


async def test_create_batches_from_dataset_skips_rows_in_the_project(api: Api) -> None:
    project_id, rows = await project_with_rows(api, 5)
    await create_batch(api, project_id, "manual", dataRows=[rows[0]["id"], rows[1]["id"]])
    dataset_id = (
        await api.data("query($id: ID!) { dataRow(id: $id) { datasetId } }", {"id": rows[0]["id"]})
    )["dataRow"]["datasetId"]
    task = (
        await api.data(
            FROM_DATASET, {"projectId": project_id, "datasetId": dataset_id, "prefix": "ds-"}
        )
    )["createBatchesFromDataset"]
    assert task["status"] == "COMPLETE" and task["result"]["createdCount"] == 3
    batch = await api.data(
        f"query($id: ID!) {{ batch(id: $id) {{ {BATCH_FIELDS} }} }}",
        {"id": task["result"]["batchIds"][0]},
    )
    assert (batch["batch"]["name"], batch["batch"]["size"]) == ("ds-0000", 3)
    empty = (
        await api.data(
            FROM_DATASET, {"projectId": project_id, "datasetId": dataset_id, "prefix": "again-"}
        )
    )["createBatchesFromDataset"]
    assert empty["status"] == "FAILED" and empty["result"]["createdCount"] == 0
    missing = await api.error(
        FROM_DATASET, {"projectId": project_id, "datasetId": "ds_nope", "prefix": "x"}
    )
    assert missing["extensions"]["code"] == "NOT_FOUND"


async def test_archive_delete_and_remove_queued(app: Starlette, api: Api) -> None:
    project_id, rows = await project_with_rows(api, 4)
    ids = [row["id"] for row in rows]
    first = await create_batch(api, project_id, "first", dataRows=ids[2:])

    archived = await api.data(
        f"mutation($id: ID!) {{ archiveBatch(id: $id) {{ {BATCH_FIELDS} }} }}", {"id": first["id"]}
    )
    assert archived["archiveBatch"]["archived"] is True
    assert await queue(api, project_id) == []
    # Archived rows are free to join another batch.
    second = await create_batch(api, project_id, "second", dataRows=ids)
    assert second["size"] == 4

    await add_label(app, api, project_id, ids[0])
    delete = "mutation($id: ID!) { deleteBatch(id: $id) { deletedCount } }"
    labeled = await api.error(delete, {"id": second["id"]})
    assert labeled["extensions"]["code"] == "CONFLICT" and "labeled" in labeled["message"]

    removed = await api.data(
        "mutation($id: ID!) { removeQueuedDataRows(batchId: $id) { deletedCount } }",
        {"id": second["id"]},
    )
    assert removed["removeQueuedDataRows"]["deletedCount"] == 3
    assert (
        await api.data(
            f"query($id: ID!) {{ batch(id: $id) {{ {BATCH_FIELDS} }} }}", {"id": second["id"]}
        )
    )["batch"]["size"] == 1
    assert (await api.data(delete, {"id": first["id"]}))["deleteBatch"]["deletedCount"] == 1
    assert (await api.error(delete, {"id": first["id"]}))["extensions"]["code"] == "NOT_FOUND"


async def test_batches_are_private_to_their_organization(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    project_id, rows = await project_with_rows(api, 1)
    batch = await create_batch(api, project_id, "mine", dataRows=[rows[0]["id"]])
    other = await new_api()
    for query, variables in (
        (f"query($id: ID!) {{ batch(id: $id) {{ {BATCH_FIELDS} }} }}", {"id": batch["id"]}),
        (LIST, {"projectId": project_id}),
        ("mutation($id: ID!) { archiveBatch(id: $id) { id } }", {"id": batch["id"]}),
        ("mutation($id: ID!) { deleteBatch(id: $id) { deletedCount } }", {"id": batch["id"]}),
    ):
        assert (await other.error(query, variables))["extensions"]["code"] == "NOT_FOUND"
    # Another organization's rows are unknown ids in this one.
    own_project = (await other.create_project())["id"]
    foreign = await other.error(
        'mutation($p: ID!, $d: JSON) { createBatch(projectId: $p, name: "x", dataRows: $d) { id } }',
        {"p": own_project, "d": [rows[0]["id"]]},
    )
    assert foreign["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("priority", [1, 5])
async def test_priority_bounds_are_accepted(api: Api, priority: int) -> None:
    project_id, rows = await project_with_rows(api, 1)
    batch = await create_batch(api, project_id, "edge", dataRows=[rows[0]["id"]], priority=priority)
    assert batch["priority"] == priority
