"""The labeling queue: its order, priority overrides, task queues, moves and label counts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette

from .conftest import Api
from .workflow_helpers import add_label, create_batch, project_with_rows, queue

SET = """mutation($p: ID!, $o: [LabelingParameterOverrideInput!]!) {
  setLabelingParameterOverrides(projectId: $p, overrides: $o) }"""
UPDATE = """mutation($p: ID!, $ids: [ID!], $keys: [String!], $priority: Int!) {
  updateLabelingPriority(projectId: $p, dataRowIds: $ids, globalKeys: $keys, priority: $priority) }"""
UNSET = """mutation($p: ID!, $ids: [ID!], $keys: [String!]) {
  unsetLabelingParameterOverrides(projectId: $p, dataRowIds: $ids, globalKeys: $keys) }"""
LIST = """query($p: ID!, $first: Int, $after: String) {
  labelingParameterOverrides(projectId: $p, first: $first, after: $after) {
    totalCount edges { node { dataRowId globalKey priority createdAt } }
    pageInfo { hasNextPage endCursor } } }"""
QUEUES = "query($p: ID!) { taskQueues(projectId: $p) { id name queueType dataRowCount } }"
MOVE = """mutation($p: ID!, $ids: JSON, $keys: JSON, $q: ID) {
  moveDataRowsToTaskQueue(projectId: $p, dataRowIds: $ids, globalKeys: $keys, taskQueueId: $q) }"""
LABEL_COUNT = "query($id: ID!) { project(id: $id) { labelCount } }"


def keys(entries: list[dict[str, Any]]) -> list[str]:
    return [entry["globalKey"] for entry in entries]


async def test_queue_order_follows_overrides_then_batch_priority_then_age(
    app: Starlette, api: Api
) -> None:
    project_id, rows = await project_with_rows(api, 9)
    ids = {row["globalKey"]: row["id"] for row in rows}
    # Created in this order: low priority first, then two high-priority batches.
    low = await create_batch(api, project_id, "low", globalKeys=["row-0", "row-1", "row-2"])
    high_a = await create_batch(
        api, project_id, "high-a", globalKeys=["row-5", "row-3"], priority=1
    )
    await create_batch(api, project_id, "high-b", globalKeys=["row-4"], priority=1)
    await create_batch(api, project_id, "mid", globalKeys=["row-6", "row-7", "row-8"], priority=3)

    before = await queue(api, project_id)
    assert keys(before) == [
        *sorted(["row-5", "row-3"], key=ids.__getitem__), "row-4", "row-6", "row-7", "row-8",
        "row-0", "row-1", "row-2",
    ]  # fmt: skip
    assert before[0]["batchId"] == high_a["id"] and before[0]["batchPriority"] == 1
    assert all(entry["overridePriority"] is None for entry in before)

    # Overrides come first, lowest first, whatever their batch; priority is relative.
    overrides = [
        {"globalKey": "row-2", "priority": 5},
        {"globalKey": "row-8", "priority": 2},
        {"globalKey": "row-1", "priority": 10},
    ]
    assert (await api.data(SET, {"p": project_id, "o": overrides}))[
        "setLabelingParameterOverrides"
    ] == 3
    after = await queue(api, project_id)
    assert keys(after)[:3] == ["row-8", "row-2", "row-1"]
    assert [e["overridePriority"] for e in after[:4]] == [2, 5, 10, None]
    assert after[1]["batchId"] == low["id"] and after[1]["batchPriority"] == 5
    assert keys(await queue(api, project_id, 2)) == ["row-8", "row-2"]
    assert keys(await queue(api, project_id)) == keys(after)  # deterministic

    # Labeled rows and rows moved on leave the queue.
    await add_label(app, api, project_id, ids["row-8"])
    await api.data(MOVE, {"p": project_id, "keys": ["row-8"], "q": None})
    assert "row-8" not in keys(await queue(api, project_id))
    await add_label(app, api, project_id, ids["row-2"])
    assert "row-2" not in keys(await queue(api, project_id))
    assert (await api.data(LABEL_COUNT, {"id": project_id}))["project"]["labelCount"] == 2

    first = await api.error(
        "query($p: ID!) { labelingQueue(projectId: $p, first: 1001) { dataRowId } }",
        {"p": project_id},
    )
    assert first["extensions"]["code"] == "VALIDATION"


async def test_overrides_set_list_update_unset_and_limits(api: Api) -> None:
    project_id, rows = await project_with_rows(api, 4)
    await create_batch(api, project_id, "b", dataRows=[row["id"] for row in rows[:3]])
    ids = [row["id"] for row in rows]

    assert (
        await api.data(
            SET,
            {
                "p": project_id,
                "o": [
                    {"dataRowId": ids[0], "priority": -(2**31)},
                    {"dataRowId": ids[1], "priority": 2**31 - 1},
                ],
            },
        )
    )["setLabelingParameterOverrides"] == 2
    page = (await api.data(LIST, {"p": project_id, "first": 1}))["labelingParameterOverrides"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    rest = (await api.data(LIST, {"p": project_id, "after": page["pageInfo"]["endCursor"]}))[
        "labelingParameterOverrides"
    ]
    listed = [e["node"] for e in page["edges"] + rest["edges"]]
    assert [(n["dataRowId"], n["globalKey"], n["priority"]) for n in listed] == [
        (ids[0], "row-0", -(2**31)),
        (ids[1], "row-1", 2**31 - 1),
    ]

    assert (await api.data(UPDATE, {"p": project_id, "keys": ["row-1", "row-2"], "priority": 7}))[
        "updateLabelingPriority"
    ] == 2
    priorities = {
        e["node"]["globalKey"]: e["node"]["priority"]
        for e in (await api.data(LIST, {"p": project_id}))["labelingParameterOverrides"]["edges"]
    }
    assert priorities == {"row-0": -(2**31), "row-1": 7, "row-2": 7}
    assert (await api.data(UNSET, {"p": project_id, "ids": [ids[0], ids[1]]}))[
        "unsetLabelingParameterOverrides"
    ] == 2
    assert (await api.data(LIST, {"p": project_id}))["labelingParameterOverrides"][
        "totalCount"
    ] == 1

    many = [{"dataRowId": ids[0], "priority": 1}] * 1001
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        (SET, {"o": many}, "VALIDATION", "At most 1000 overrides"),
        (SET, {"o": [{"dataRowId": ids[3], "priority": 1}]}, "VALIDATION", "active batch"),
        (
            SET,
            {"o": [{"dataRowId": ids[0], "globalKey": "row-0", "priority": 1}]},
            "VALIDATION",
            "exactly one",
        ),
        (SET, {"o": [{"priority": 1}]}, "VALIDATION", "exactly one"),
        (
            SET,
            {"o": [{"dataRowId": ids[0], "priority": 1}, {"globalKey": "row-1", "priority": 1}]},
            "VALIDATION",
            "not both",
        ),
        (SET, {"o": [{"dataRowId": ids[0], "priority": 2**31}]}, "VALIDATION", "32-bit"),
        (SET, {"o": [{"dataRowId": ids[0], "priority": 1}] * 2}, "VALIDATION", "repeated"),
        (SET, {"o": [{"dataRowId": "dr_unknown", "priority": 1}]}, "VALIDATION", "not found"),
        (UPDATE, {"ids": [ids[0]] * 1001, "priority": 1}, "VALIDATION", "at most 1,000"),
        (UPDATE, {"ids": [ids[0]], "keys": ["row-0"], "priority": 1}, "VALIDATION", "exactly one"),
        (UNSET, {"keys": ["row-0"] * 1001}, "VALIDATION", "at most 1,000"),
    ]
    for query, variables, code, message in cases:
        error = await api.error(query, {"p": project_id, **variables})
        assert error["extensions"]["code"] == code, variables
        assert message in error["message"], error["message"]
    # The limit itself is allowed.
    exactly = [{"dataRowId": ids[0], "priority": 1}] * 1000
    at_limit = await api.error(SET, {"p": project_id, "o": exactly})
    assert "repeated" in at_limit["message"]  # passes the count check, fails on repeats


async def test_task_queues_and_moves(app: Starlette, api: Api) -> None:
    project_id, rows = await project_with_rows(api, 4)
    ids = [row["id"] for row in rows]
    await create_batch(api, project_id, "b", dataRows=ids[:3])
    queues = (await api.data(QUEUES, {"p": project_id}))["taskQueues"]
    assert [(q["queueType"], q["dataRowCount"]) for q in queues] == [
        ("INITIAL_LABELING", 3),
        ("MANUAL_REVIEW", 0),
        ("MANUAL_REWORK", 0),
        ("DONE", 0),
    ]
    by_type = {q["queueType"]: q["id"] for q in queues}

    unlabeled = await api.error(
        MOVE, {"p": project_id, "ids": ids[:2], "q": by_type["MANUAL_REVIEW"]}
    )
    assert (
        unlabeled["extensions"]["code"] == "VALIDATION" and "need a label" in unlabeled["message"]
    )
    await add_label(app, api, project_id, ids[0])
    await add_label(app, api, project_id, ids[1])
    moved = await api.data(MOVE, {"p": project_id, "ids": ids[:2], "q": by_type["MANUAL_REVIEW"]})
    assert moved["moveDataRowsToTaskQueue"] == 2
    # Between later steps no label check applies; null means Done.
    assert (await api.data(MOVE, {"p": project_id, "keys": ["row-1"], "q": None}))[
        "moveDataRowsToTaskQueue"
    ] == 1
    assert await api.data(MOVE, {"p": project_id, "keys": ["row-0"], "q": by_type["MANUAL_REWORK"]})
    counts = {
        q["queueType"]: q["dataRowCount"]
        for q in (await api.data(QUEUES, {"p": project_id}))["taskQueues"]
    }
    assert counts == {"INITIAL_LABELING": 1, "MANUAL_REVIEW": 0, "MANUAL_REWORK": 1, "DONE": 1}
    # Back to initial labeling is allowed without a check.
    assert await api.data(
        MOVE, {"p": project_id, "ids": [ids[1]], "q": by_type["INITIAL_LABELING"]}
    )

    other_project, _ = await project_with_rows(api, 1, prefix="other")
    foreign_queue = (await api.data(QUEUES, {"p": other_project}))["taskQueues"][0]["id"]
    for variables, code, message in [
        ({"ids": ids[:1], "q": foreign_queue}, "NOT_FOUND", "TaskQueue"),
        ({"ids": ids[:1], "q": "tqx_nothing"}, "NOT_FOUND", "TaskQueue"),
        ({"ids": [ids[3]], "q": None}, "VALIDATION", "active batch"),
        ({"ids": ids[:1], "keys": ["row-0"], "q": None}, "VALIDATION", "exactly one"),
        ({"ids": [f"dr_{i}" for i in range(100_001)], "q": None}, "VALIDATION", "at most 100,000"),
    ]:
        error = await api.error(MOVE, {"p": project_id, **variables})
        assert error["extensions"]["code"] == code and message in error["message"], error


async def test_queue_operations_are_private(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    project_id, rows = await project_with_rows(api, 1)
    await create_batch(api, project_id, "b", dataRows=[rows[0]["id"]])
    other = await new_api()
    for query, variables in (
        ("query($p: ID!) { labelingQueue(projectId: $p) { dataRowId } }", {"p": project_id}),
        (QUEUES, {"p": project_id}),
        (LIST, {"p": project_id}),
        (SET, {"p": project_id, "o": [{"dataRowId": rows[0]["id"], "priority": 1}]}),
        (MOVE, {"p": project_id, "ids": [rows[0]["id"]], "q": None}),
        (LABEL_COUNT, {"id": project_id}),
    ):
        assert (await other.error(query, variables))["extensions"]["code"] == "NOT_FOUND", query
