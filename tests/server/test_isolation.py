"""Another organization's objects behave exactly like missing ones."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .conftest import CREATE_ROWS, Api


async def test_organizations_cannot_see_or_touch_each_other(
    new_api: Callable[[], Awaitable[Api]],
) -> None:
    a, b = await new_api(), await new_api()
    project = await a.create_project("A's project")
    dataset = await a.create_dataset("A's dataset")
    rows = (await a.create_rows(dataset["id"], [{"rowData": "x", "globalKey": "shared-key"}]))[
        "dataRows"
    ]
    row_id = rows[0]["id"]

    not_found_cases = [
        ("query($id: ID!) { project(id: $id) { id } }", {"id": project["id"]}),
        (
            'mutation($id: ID!) { updateProject(id: $id, input: {name: "mine"}) { id } }',
            {"id": project["id"]},
        ),
        ("mutation($id: ID!) { deleteProject(id: $id) { deletedCount } }", {"id": project["id"]}),
        ("query($id: ID!) { dataset(id: $id) { id } }", {"id": dataset["id"]}),
        (
            'mutation($id: ID!) { updateDataset(id: $id, input: {name: "mine"}) { id } }',
            {"id": dataset["id"]},
        ),
        ("mutation($id: ID!) { deleteDataset(id: $id) { deletedCount } }", {"id": dataset["id"]}),
        ("query($id: ID!) { dataRows(datasetId: $id) { totalCount } }", {"id": dataset["id"]}),
        (CREATE_ROWS, {"datasetId": dataset["id"], "rows": [{"rowData": "intruder"}]}),
        ("query($id: ID!) { dataRow(id: $id) { id } }", {"id": row_id}),
        (
            'mutation($id: ID!) { updateDataRow(id: $id, input: {rowData: "x"}) { id } }',
            {"id": row_id},
        ),
        ('query { dataRowByGlobalKey(globalKey: "shared-key") { id } }', {}),
    ]
    for query, variables in not_found_cases:
        error = await b.error(query, variables)
        assert error["extensions"]["code"] == "NOT_FOUND", query

    deleted = await b.data(
        "mutation($ids: [ID!]!) { deleteDataRows(ids: $ids) { deletedCount } }", {"ids": [row_id]}
    )
    assert deleted["deleteDataRows"]["deletedCount"] == 0

    listed = await b.data(
        "{ projects { totalCount edges { node { id } } } datasets { totalCount } users { edges { node { id } } } }"
    )
    assert listed["projects"] == {"totalCount": 0, "edges": []}
    assert listed["datasets"]["totalCount"] == 0
    a_users = await a.data("{ users { edges { node { id } } } }")
    assert not {e["node"]["id"] for e in listed["users"]["edges"]} & {
        e["node"]["id"] for e in a_users["users"]["edges"]
    }

    # Global keys are unique per organization: B may use A's key.
    b_dataset = await b.create_dataset()
    assert (await b.create_rows(b_dataset["id"], [{"rowData": "b", "globalKey": "shared-key"}]))[
        "createdCount"
    ] == 1

    # A's objects are untouched.
    check = await a.data(
        "query($p: ID!, $d: ID!, $r: ID!) { project(id: $p) { name } dataset(id: $d) { name rowCount } dataRow(id: $r) { rowData } }",
        {"p": project["id"], "d": dataset["id"], "r": row_id},
    )
    assert check == {
        "project": {"name": "A's project"},
        "dataset": {"name": "A's dataset", "rowCount": 1},
        "dataRow": {"rowData": "x"},
    }
    by_key = await a.data('query { dataRowByGlobalKey(globalKey: "shared-key") { id } }')
    assert by_key["dataRowByGlobalKey"]["id"] == row_id
