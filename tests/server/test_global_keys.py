"""assignGlobalKeys, clearGlobalKeys, dataRowIdsForGlobalKeys, dataRowIdsForExternalIds."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from .conftest import Api

ASSIGN = """
mutation($assignments: [GlobalKeyAssignmentInput!]!) {
  assignGlobalKeys(assignments: $assignments) {
    status results { dataRowId globalKey sanitized } errors { dataRowId globalKey error }
  }
}
"""
CLEAR = """
mutation($keys: [String!]!) {
  clearGlobalKeys(globalKeys: $keys) { status results errors { dataRowId globalKey error } }
}
"""
LOOKUP = """
query($keys: [String!]!) {
  dataRowIdsForGlobalKeys(globalKeys: $keys) { status results errors { dataRowId globalKey error } }
}
"""
EXTERNAL = """
query($ids: [String!]!) { dataRowIdsForExternalIds(externalIds: $ids) { externalId dataRowIds } }
"""
NOT_FOUND = "Failed to find data row matching provided global key"


def unique() -> str:
    return uuid.uuid4().hex[:8]


async def assign(api: Api, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    assignments = [{"dataRowId": row_id, "globalKey": key} for row_id, key in pairs]
    return dict((await api.data(ASSIGN, {"assignments": assignments}))["assignGlobalKeys"])


async def new_rows(api: Api, count: int, **fields: Any) -> list[str]:
    dataset = await api.create_dataset()
    created = await api.create_rows(
        dataset["id"], [{"rowData": f"r{i}", **fields} for i in range(count)]
    )
    return [row["id"] for row in created["dataRows"]]


async def test_assign_reports_every_problem_in_input_order(api: Api) -> None:
    u = unique()
    rows = await new_rows(api, 5)
    await assign(api, [(rows[4], f"taken-{u}")])
    result = await assign(
        api,
        [
            (rows[0], f"k0-{u}"),
            ("dr_missing", f"k9-{u}"),
            (rows[1], f"  k1-{u}\t"),
            (rows[2], f"taken-{u}"),
            (rows[3], f"k0-{u}"),  # the same key twice in one request
            (rows[2], "   "),
            (rows[2], "x" * 256),
            (rows[4], f"taken-{u}"),  # its own key again: fine
        ],
    )
    assert result["status"] == "PARTIAL_SUCCESS"
    assert result["results"] == [
        {"dataRowId": rows[0], "globalKey": f"k0-{u}", "sanitized": False},
        {"dataRowId": rows[1], "globalKey": f"k1-{u}", "sanitized": True},
        {"dataRowId": rows[4], "globalKey": f"taken-{u}", "sanitized": False},
    ]
    errors = [(e["dataRowId"], e["globalKey"], e["error"]) for e in result["errors"]]
    assert errors[0] == ("dr_missing", f"k9-{u}", "Data Row not found")
    assert errors[1][:2] == (rows[2], f"taken-{u}") and "already" in errors[1][2]
    assert errors[2][:2] == (rows[3], f"k0-{u}") and "already" in errors[2][2]
    assert errors[3:] == [
        (rows[2], "   ", "Invalid global key"),
        (rows[2], "x" * 256, "Invalid global key"),
    ]
    looked = await api.data(LOOKUP, {"keys": [f"k1-{u}", f"k0-{u}"]})
    assert looked["dataRowIdsForGlobalKeys"]["results"] == [rows[1], rows[0]]


async def test_assign_status_values_and_key_reuse(api: Api) -> None:
    u = unique()
    rows = await new_rows(api, 2)
    assert (await assign(api, []))["status"] == "SUCCESS"
    assert (await assign(api, [(rows[0], f"a-{u}")]))["status"] == "SUCCESS"
    failed = await assign(api, [(rows[1], f"a-{u}"), ("dr_nope", f"b-{u}")])
    assert failed["status"] == "FAILURE" and failed["results"] == []
    # A key freed earlier in the same request may be taken later in it.
    moved = await assign(api, [(rows[0], f"c-{u}"), (rows[1], f"a-{u}")])
    assert moved["status"] == "SUCCESS"
    looked = await api.data(LOOKUP, {"keys": [f"a-{u}", f"c-{u}"]})
    assert looked["dataRowIdsForGlobalKeys"]["results"] == [rows[1], rows[0]]


async def test_limits(api: Api) -> None:
    too_many = [{"dataRowId": "dr_x", "globalKey": "k"}] * 10_001
    error = await api.error(ASSIGN, {"assignments": too_many})
    assert error["extensions"]["code"] == "VALIDATION"
    for query in (CLEAR, LOOKUP):
        error = await api.error(query, {"keys": ["k"] * 10_001})
        assert error["extensions"]["code"] == "VALIDATION"
    error = await api.error(EXTERNAL, {"ids": ["e"] * 1_501})
    assert error["extensions"]["code"] == "VALIDATION"


async def test_lookup_and_clear(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    u = unique()
    rows = await new_rows(api, 2)
    await assign(api, [(rows[0], f"x-{u}"), (rows[1], f"y-{u}")])
    looked = (await api.data(LOOKUP, {"keys": [f"y-{u}", f"nope-{u}", f"x-{u}"]}))[
        "dataRowIdsForGlobalKeys"
    ]
    assert looked["status"] == "PARTIAL_SUCCESS"
    assert looked["results"] == [rows[1], "", rows[0]]
    assert looked["errors"] == [{"dataRowId": None, "globalKey": f"nope-{u}", "error": NOT_FOUND}]

    # Another organization sees none of them and clears nothing.
    other = await new_api()
    foreign = (await other.data(LOOKUP, {"keys": [f"x-{u}"]}))["dataRowIdsForGlobalKeys"]
    assert foreign["status"] == "FAILURE" and foreign["results"] == [""]
    assert (await other.data(CLEAR, {"keys": [f"x-{u}"]}))["clearGlobalKeys"]["status"] == "FAILURE"

    cleared = (await api.data(CLEAR, {"keys": [f"x-{u}", f"nope-{u}"]}))["clearGlobalKeys"]
    assert cleared["status"] == "PARTIAL_SUCCESS" and cleared["results"] == [f"x-{u}"]
    assert cleared["errors"] == [{"dataRowId": None, "globalKey": f"nope-{u}", "error": NOT_FOUND}]
    row = await api.data("query($id: ID!) { dataRow(id: $id) { globalKey } }", {"id": rows[0]})
    assert row["dataRow"]["globalKey"] is None
    after = (await api.data(LOOKUP, {"keys": [f"x-{u}"]}))["dataRowIdsForGlobalKeys"]
    assert after["status"] == "FAILURE"
    # The cleared key is free again.
    assert (await assign(api, [(rows[1], f"x-{u}")]))["status"] == "SUCCESS"


async def test_external_ids(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    u = unique()
    shared = await new_rows(api, 2, externalId=f"a-{u}")
    single = await new_rows(api, 1, externalId=f"b-{u}")
    found = (await api.data(EXTERNAL, {"ids": [f"b-{u}", f"none-{u}", f"a-{u}", f"b-{u}"]}))[
        "dataRowIdsForExternalIds"
    ]
    assert found == [
        {"externalId": f"b-{u}", "dataRowIds": single},
        {"externalId": f"a-{u}", "dataRowIds": shared},  # in creation order
    ]
    other = await new_api()
    assert (await other.data(EXTERNAL, {"ids": [f"a-{u}"]}))["dataRowIdsForExternalIds"] == []
