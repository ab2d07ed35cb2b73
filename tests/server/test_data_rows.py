from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from .conftest import CREATE_ROWS, DATA_ROW_FIELDS, Api

DATA_ROW = (
    f"query($id: ID!) {{ dataRow(id: $id) {{ {DATA_ROW_FIELDS} dataset {{ id rowCount }} }} }}"
)
BY_GLOBAL_KEY = (
    f"query($key: String!) {{ dataRowByGlobalKey(globalKey: $key) {{ {DATA_ROW_FIELDS} }} }}"
)
DATA_ROWS = """
query($datasetId: ID!, $first: Int, $after: String) {
  dataRows(datasetId: $datasetId, first: $first, after: $after) {
    edges { cursor node { id globalKey } } pageInfo { hasNextPage endCursor }
  }
}"""
UPDATE_ROW = f"mutation($id: ID!, $input: UpdateDataRowInput!) {{ updateDataRow(id: $id, input: $input) {{ {DATA_ROW_FIELDS} }} }}"
DELETE_ROWS = "mutation($ids: [ID!]!) { deleteDataRows(ids: $ids) { deletedCount } }"
ROW_COUNT = "query($id: ID!) { dataset(id: $id) { rowCount } }"


async def row_count(api: Api, dataset_id: str) -> int:
    return int((await api.data(ROW_COUNT, {"id": dataset_id}))["dataset"]["rowCount"])


async def test_create_and_read_rows(api: Api) -> None:
    dataset = await api.create_dataset()
    payload = await api.create_rows(
        dataset["id"],
        [
            {
                "rowData": "https://example.com/a.jpg",
                "globalKey": "a",
                "externalId": "ext-a",
                "mediaType": "IMAGE",
                "metadata": {"tag": "x", "split": "train"},
                "attachments": [
                    {"type": "TEXT", "value": "caption", "name": "c"},
                    {"type": "IMAGE_OVERLAY", "value": "https://example.com/o.png"},
                ],
            },
            {"rowData": "plain text"},
        ],
    )
    assert payload["createdCount"] == 2
    first, second = payload["dataRows"]
    assert first["id"].startswith("dr_") and first["id"] < second["id"]
    assert first["datasetId"] == dataset["id"]
    assert first["metadata"] == {"tag": "x", "split": "train"}
    assert second["metadata"] == {} and second["attachments"] == [] and second["globalKey"] is None
    assert first["createdAt"].endswith("+00:00")

    fetched = (await api.data(DATA_ROW, {"id": first["id"]}))["dataRow"]
    assert fetched["attachments"] == [
        {"type": "TEXT", "value": "caption", "name": "c"},
        {"type": "IMAGE_OVERLAY", "value": "https://example.com/o.png", "name": None},
    ]
    assert fetched["dataset"] == {"id": dataset["id"], "rowCount": 2}
    assert {k: v for k, v in fetched.items() if k != "dataset"} == first

    by_key = (await api.data(BY_GLOBAL_KEY, {"key": "a"}))["dataRowByGlobalKey"]
    assert by_key == first
    assert (await api.error(BY_GLOBAL_KEY, {"key": "missing"}))["extensions"]["code"] == "NOT_FOUND"
    assert (await api.error(DATA_ROW, {"id": "dr_nope"}))["extensions"]["code"] == "NOT_FOUND"


async def test_update_row(api: Api) -> None:
    dataset = await api.create_dataset()
    rows = (
        await api.create_rows(
            dataset["id"],
            [
                {"rowData": "a", "globalKey": "k1", "metadata": {"tag": "a"}},
                {"rowData": "b", "globalKey": "k2"},
            ],
        )
    )["dataRows"]
    updated = (
        await api.data(
            UPDATE_ROW,
            {
                "id": rows[0]["id"],
                "input": {"rowData": "a2", "metadata": {"split": "test"}, "externalId": "e"},
            },
        )
    )["updateDataRow"]
    assert (
        updated["rowData"] == "a2"
        and updated["metadata"] == {"split": "test"}
        and updated["externalId"] == "e"
    )
    assert updated["globalKey"] == "k1"
    assert datetime.fromisoformat(updated["updatedAt"]) > datetime.fromisoformat(
        rows[0]["updatedAt"]
    )

    conflict = await api.error(UPDATE_ROW, {"id": rows[0]["id"], "input": {"globalKey": "k2"}})
    assert conflict["extensions"]["code"] == "CONFLICT" and "k2" in conflict["message"]
    same = (await api.data(UPDATE_ROW, {"id": rows[0]["id"], "input": {"globalKey": "k1"}}))[
        "updateDataRow"
    ]
    assert same["globalKey"] == "k1"
    cleared = (await api.data(UPDATE_ROW, {"id": rows[0]["id"], "input": {"globalKey": None}}))[
        "updateDataRow"
    ]
    assert cleared["globalKey"] is None
    moved = (await api.data(UPDATE_ROW, {"id": rows[1]["id"], "input": {"globalKey": "k1"}}))[
        "updateDataRow"
    ]
    assert moved["globalKey"] == "k1"

    error = await api.error(UPDATE_ROW, {"id": rows[0]["id"], "input": {"rowData": ""}})
    assert error["extensions"]["code"] == "VALIDATION"
    error = await api.error(UPDATE_ROW, {"id": "dr_missing", "input": {"rowData": "x"}})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_delete_rows_keeps_row_count_exact(api: Api) -> None:
    dataset = await api.create_dataset()
    other = await api.create_dataset()
    ids = [
        r["id"]
        for r in (await api.create_rows(dataset["id"], [{"rowData": str(i)} for i in range(10)]))[
            "dataRows"
        ]
    ]
    other_ids = [
        r["id"]
        for r in (await api.create_rows(other["id"], [{"rowData": str(i)} for i in range(3)]))[
            "dataRows"
        ]
    ]
    assert await row_count(api, dataset["id"]) == 10

    result = await api.data(DELETE_ROWS, {"ids": [*ids[:4], other_ids[0], "dr_missing"]})
    assert result["deleteDataRows"]["deletedCount"] == 5
    assert await row_count(api, dataset["id"]) == 6
    assert await row_count(api, other["id"]) == 2
    again = await api.data(DELETE_ROWS, {"ids": ids[:4]})
    assert again["deleteDataRows"]["deletedCount"] == 0
    assert await row_count(api, dataset["id"]) == 6
    assert (await api.data(DELETE_ROWS, {"ids": []}))["deleteDataRows"]["deletedCount"] == 0
    assert (await api.error(DATA_ROW, {"id": ids[0]}))["extensions"]["code"] == "NOT_FOUND"


async def test_deleting_a_dataset_deletes_its_rows(api: Api) -> None:
    dataset = await api.create_dataset()
    rows = (
        await api.create_rows(
            dataset["id"],
            [
                {
                    "rowData": "x",
                    "globalKey": "gone",
                    "attachments": [{"type": "TEXT", "value": "t"}],
                }
            ],
        )
    )["dataRows"]
    await api.data(
        "mutation($id: ID!) { deleteDataset(id: $id) { deletedCount } }", {"id": dataset["id"]}
    )
    assert (await api.error(DATA_ROW, {"id": rows[0]["id"]}))["extensions"]["code"] == "NOT_FOUND"
    # The global key is free again.
    fresh = await api.create_dataset()
    assert (await api.create_rows(fresh["id"], [{"rowData": "y", "globalKey": "gone"}]))[
        "createdCount"
    ] == 1


async def test_rows_of_a_missing_dataset(api: Api) -> None:
    assert (await api.error(DATA_ROWS, {"datasetId": "ds_missing"}))["extensions"][
        "code"
    ] == "NOT_FOUND"
    error = await api.error(CREATE_ROWS, {"datasetId": "ds_missing", "rows": [{"rowData": "x"}]})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_row_validation(api: Api) -> None:
    dataset = await api.create_dataset()

    async def code_and_message(rows: list[dict[str, object]]) -> tuple[str, str]:
        error = await api.error(CREATE_ROWS, {"datasetId": dataset["id"], "rows": rows})
        return error["extensions"]["code"], error["message"]

    code, message = await code_and_message([{"rowData": "x"}] * 1001)
    assert code == "VALIDATION" and "1000" in message
    attachments = [{"type": "TEXT", "value": str(i)} for i in range(6)]
    code, message = await code_and_message(
        [{"rowData": "ok"}, {"rowData": "x", "attachments": attachments}]
    )
    assert code == "VALIDATION" and "rows[1]" in message
    code, message = await code_and_message([{"rowData": "ok"}, {"rowData": ""}])
    assert code == "VALIDATION" and "rows[1].rowData" in message
    code, _ = await code_and_message(
        [{"rowData": "ok", "attachments": [{"type": "NOPE", "value": "v"}]}]
    )
    assert code == "VALIDATION"
    code, _ = await code_and_message([{"rowData": "x", "globalKey": ""}])
    assert code == "VALIDATION"
    assert await row_count(api, dataset["id"]) == 0  # nothing was written


async def test_five_attachments_and_empty_batch_are_fine(api: Api) -> None:
    dataset = await api.create_dataset()
    attachments = [{"type": "TEXT", "value": str(i)} for i in range(5)]
    assert (await api.create_rows(dataset["id"], [{"rowData": "x", "attachments": attachments}]))[
        "createdCount"
    ] == 1
    assert (await api.create_rows(dataset["id"], []))["createdCount"] == 0
    assert await row_count(api, dataset["id"]) == 1


async def test_duplicate_global_keys_conflict(api: Api) -> None:
    dataset = await api.create_dataset()
    await api.create_rows(dataset["id"], [{"rowData": "x", "globalKey": "taken"}])

    error = await api.error(
        CREATE_ROWS,
        {
            "datasetId": dataset["id"],
            "rows": [{"rowData": "a", "globalKey": "dup"}, {"rowData": "b", "globalKey": "dup"}],
        },
    )
    assert error["extensions"]["code"] == "CONFLICT" and "dup" in error["message"]

    other = await api.create_dataset()  # keys are unique per organization, not per dataset
    error = await api.error(
        CREATE_ROWS,
        {
            "datasetId": other["id"],
            "rows": [
                {"rowData": "a", "globalKey": "fresh"},
                {"rowData": "b", "globalKey": "taken"},
            ],
        },
    )
    assert error["extensions"]["code"] == "CONFLICT" and "taken" in error["message"]
    # The whole call is atomic: "fresh" was not written either.
    assert (await api.error(BY_GLOBAL_KEY, {"key": "fresh"}))["extensions"]["code"] == "NOT_FOUND"
    assert await row_count(api, other["id"]) == 0
    assert await row_count(api, dataset["id"]) == 1


async def test_paginating_2500_rows(api: Api) -> None:
    dataset = await api.create_dataset()
    expected: list[str] = []
    for start in range(0, 2500, 1000):
        batch = [
            {"rowData": f"row {i}", "globalKey": f"g{i}"}
            for i in range(start, min(start + 1000, 2500))
        ]
        expected += [r["id"] for r in (await api.create_rows(dataset["id"], batch))["dataRows"]]
    assert await row_count(api, dataset["id"]) == 2500
    assert expected == sorted(expected)

    total = await api.data(
        "query($d: ID!) { dataRows(datasetId: $d, first: 1) { totalCount } }", {"d": dataset["id"]}
    )
    assert total["dataRows"]["totalCount"] == 2500

    for page_size in (7, 100, 1000):
        seen: list[str] = []
        after = None
        pages = 0
        while True:
            page = (
                await api.data(
                    DATA_ROWS, {"datasetId": dataset["id"], "first": page_size, "after": after}
                )
            )["dataRows"]
            pages += 1
            seen += [edge["node"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert seen == expected, page_size
        assert pages == -(-2500 // page_size)


@pytest.mark.parametrize("cursor", ["###", "cHJqXzFodHQ3ZmZleHZyM2t0dGI4ZzQ"])
async def test_data_rows_bad_cursor(api: Api, cursor: str) -> None:
    dataset = await api.create_dataset()
    error = await api.error(DATA_ROWS, {"datasetId": dataset["id"], "after": cursor})
    assert error["extensions"]["code"] == "VALIDATION"


async def test_concurrent_writes_keep_row_count_exact(api: Api) -> None:
    dataset = await api.create_dataset()
    responses = await asyncio.gather(
        *(
            api.post(
                CREATE_ROWS,
                {
                    "datasetId": dataset["id"],
                    "rows": [{"rowData": f"{batch}-{i}"} for i in range(200)],
                },
            )
            for batch in range(5)
        )
    )
    ids = sorted(
        row["id"] for r in responses for row in r.json()["data"]["createDataRows"]["dataRows"]
    )
    assert len(ids) == 1000
    assert await row_count(api, dataset["id"]) == 1000

    deletes = await asyncio.gather(
        api.post(DELETE_ROWS, {"ids": ids[:600]}), api.post(DELETE_ROWS, {"ids": ids[300:900]})
    )
    deleted = [r.json()["data"]["deleteDataRows"]["deletedCount"] for r in deletes]
    assert sum(deleted) == 900  # the overlap is counted once, by whichever got it
    assert await row_count(api, dataset["id"]) == 100


async def test_concurrent_claims_of_one_global_key(api: Api) -> None:
    datasets = [await api.create_dataset() for _ in range(2)]
    responses = await asyncio.gather(
        *(
            api.post(
                CREATE_ROWS,
                {
                    "datasetId": datasets[i % 2]["id"],
                    "rows": [{"rowData": str(i)}, {"rowData": "r", "globalKey": "race"}],
                },
            )
            for i in range(6)
        )
    )
    codes = sorted(
        r.json()["errors"][0]["extensions"]["code"] if "errors" in r.json() else "OK"
        for r in responses
    )
    assert codes == ["CONFLICT"] * 5 + ["OK"]
    counts = [await row_count(api, d["id"]) for d in datasets]
    assert sum(counts) == 2
