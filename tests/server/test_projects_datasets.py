from __future__ import annotations

from datetime import datetime

import pytest

from .conftest import Api

PROJECT = "query($id: ID!) { project(id: $id) { id name description mediaType createdAt updatedAt createdBy { id } } }"
UPDATE_PROJECT = "mutation($id: ID!, $input: UpdateProjectInput!) { updateProject(id: $id, input: $input) { id name description createdAt updatedAt } }"
DELETE_PROJECT = "mutation($id: ID!) { deleteProject(id: $id) { deletedCount } }"
PROJECTS = """
query($first: Int, $after: String, $filter: ProjectFilter) {
  projects(first: $first, after: $after, filter: $filter) {
    totalCount edges { cursor node { id name createdBy { id email } } } pageInfo { hasNextPage endCursor }
  }
}"""
DATASET = (
    "query($id: ID!) { dataset(id: $id) { id name description rowCount createdBy { email } } }"
)
UPDATE_DATASET = "mutation($id: ID!, $input: UpdateDatasetInput!) { updateDataset(id: $id, input: $input) { id name description updatedAt } }"
DELETE_DATASET = "mutation($id: ID!) { deleteDataset(id: $id) { deletedCount } }"
DATASETS = """
query($first: Int, $after: String, $filter: DatasetFilter) {
  datasets(first: $first, after: $after, filter: $filter) {
    totalCount edges { node { id name } } pageInfo { hasNextPage endCursor }
  }
}"""


async def test_project_crud(api: Api) -> None:
    created = await api.create_project("Cats", description="meow", mediaType="VIDEO")
    assert created["id"].startswith("prj_")
    assert created["mediaType"] == "VIDEO"
    assert created["queueMode"] == "BATCH" and created["qualityMode"] == "BENCHMARK"
    assert created["lastActivityTime"] is None
    assert created["createdBy"]["email"] == "admin@localhost"
    assert created["createdAt"] == created["updatedAt"]

    fetched = (await api.data(PROJECT, {"id": created["id"]}))["project"]
    assert fetched["name"] == "Cats" and fetched["description"] == "meow"

    updated = (await api.data(UPDATE_PROJECT, {"id": created["id"], "input": {"name": "Dogs"}}))[
        "updateProject"
    ]
    assert updated["name"] == "Dogs"
    assert updated["description"] == "meow"  # omitted fields are kept
    assert updated["createdAt"] == created["createdAt"]
    assert datetime.fromisoformat(updated["updatedAt"]) > datetime.fromisoformat(
        created["updatedAt"]
    )

    cleared = (
        await api.data(UPDATE_PROJECT, {"id": created["id"], "input": {"description": None}})
    )["updateProject"]
    assert cleared["description"] is None and cleared["name"] == "Dogs"

    deleted = await api.data(DELETE_PROJECT, {"id": created["id"]})
    assert deleted["deleteProject"]["deletedCount"] == 1
    error = await api.error(PROJECT, {"id": created["id"]})
    assert error["extensions"]["code"] == "NOT_FOUND"
    error = await api.error(DELETE_PROJECT, {"id": created["id"]})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_datetimes_carry_a_utc_offset(api: Api) -> None:
    project = await api.create_project()
    fetched = (await api.data(PROJECT, {"id": project["id"]}))["project"]
    for value in (project["createdAt"], fetched["createdAt"], fetched["updatedAt"]):
        assert value.endswith("+00:00")
        assert datetime.fromisoformat(value).utcoffset() is not None


@pytest.mark.parametrize("name", ["", "   "])
async def test_empty_names_are_rejected(api: Api, name: str) -> None:
    for query, variables in [
        (
            "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }",
            {"i": {"name": name}},
        ),
        (
            "mutation($i: CreateDatasetInput!) { createDataset(input: $i) { id } }",
            {"i": {"name": name}},
        ),
    ]:
        error = await api.error(query, variables)
        assert error["extensions"]["code"] == "VALIDATION"
    project = await api.create_project()
    error = await api.error(UPDATE_PROJECT, {"id": project["id"], "input": {"name": name}})
    assert error["extensions"]["code"] == "VALIDATION"


async def test_invalid_enum_is_validation(api: Api) -> None:
    error = await api.error(
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { id } }",
        {"i": {"name": "x", "mediaType": "HOLOGRAM"}},
    )
    assert error["extensions"]["code"] == "VALIDATION"
    error = await api.error(
        'mutation { createProject(input: {name: "x", mediaType: HOLOGRAM}) { id } }'
    )
    assert error["extensions"]["code"] == "VALIDATION"


async def test_projects_pagination_filter_and_count(api: Api) -> None:
    names = [f"Alpha {i}" for i in range(5)] + ["beta ALPHA", "Gamma", "100%_off"]
    ids = [(await api.create_project(name))["id"] for name in names]
    assert ids == sorted(ids)  # ids sort in creation order

    seen: list[str] = []
    after = None
    while True:
        page = (await api.data(PROJECTS, {"first": 3, "after": after}))["projects"]
        assert page["totalCount"] == len(names)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        assert page["edges"][-1]["cursor"] == page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids

    filtered = (await api.data(PROJECTS, {"filter": {"nameContains": "alpha"}}))["projects"]
    assert [e["node"]["name"] for e in filtered["edges"]] == names[:6]
    assert filtered["totalCount"] == 6
    # LIKE wildcards in the input are matched literally.
    literal = (await api.data(PROJECTS, {"filter": {"nameContains": "%_"}}))["projects"]
    assert [e["node"]["name"] for e in literal["edges"]] == ["100%_off"]
    nothing = (await api.data(PROJECTS, {"filter": {"nameContains": "zzz"}}))["projects"]
    assert nothing == {
        "totalCount": 0,
        "edges": [],
        "pageInfo": {"hasNextPage": False, "endCursor": None},
    }


@pytest.mark.parametrize("first", [0, -1, 1001])
async def test_first_out_of_range(api: Api, first: int) -> None:
    for query in (PROJECTS, DATASETS, "query($first: Int) { users(first: $first) { totalCount } }"):
        error = await api.error(query, {"first": first})
        assert error["extensions"]["code"] == "VALIDATION"
        assert "first" in error["message"]


@pytest.mark.parametrize("cursor", ["garbage!", "", "cHJqXw", "ZHNfMWh0dDdrYjk2cGg1N2NmcXczag"])
async def test_bad_cursor(api: Api, cursor: str) -> None:
    # The last cursor is valid base64 of a *dataset* id: not a project cursor.
    error = await api.error(PROJECTS, {"after": cursor})
    assert error["extensions"]["code"] == "VALIDATION"


async def test_dataset_crud(api: Api) -> None:
    created = await api.create_dataset("Images", description="d")
    assert created["id"].startswith("ds_") and created["rowCount"] == 0
    fetched = (await api.data(DATASET, {"id": created["id"]}))["dataset"]
    assert fetched["createdBy"]["email"] == "admin@localhost"
    updated = (
        await api.data(UPDATE_DATASET, {"id": created["id"], "input": {"name": "Pictures"}})
    )["updateDataset"]
    assert updated["name"] == "Pictures" and updated["description"] == "d"
    assert updated["updatedAt"] != created["updatedAt"]

    others = [(await api.create_dataset(f"Set {i}"))["id"] for i in range(3)]
    listed = (await api.data(DATASETS, {"first": 2}))["datasets"]
    assert listed["totalCount"] == 4
    assert [e["node"]["id"] for e in listed["edges"]] == [created["id"], others[0]]
    rest = (await api.data(DATASETS, {"first": 2, "after": listed["pageInfo"]["endCursor"]}))[
        "datasets"
    ]
    assert [e["node"]["id"] for e in rest["edges"]] == others[1:]
    assert rest["pageInfo"]["hasNextPage"] is False
    filtered = (await api.data(DATASETS, {"filter": {"nameContains": "PICT"}}))["datasets"]
    assert [e["node"]["id"] for e in filtered["edges"]] == [created["id"]]

    assert (await api.data(DELETE_DATASET, {"id": created["id"]}))["deleteDataset"][
        "deletedCount"
    ] == 1
    assert (await api.error(DATASET, {"id": created["id"]}))["extensions"]["code"] == "NOT_FOUND"
    assert (await api.error(DELETE_DATASET, {"id": created["id"]}))["extensions"][
        "code"
    ] == "NOT_FOUND"
    error = await api.error(UPDATE_DATASET, {"id": created["id"], "input": {"name": "x"}})
    assert error["extensions"]["code"] == "NOT_FOUND"


async def test_sibling_root_fields_run_concurrently(api: Api) -> None:
    project = await api.create_project("P")
    dataset = await api.create_dataset("D")
    data = await api.data(
        "query($p: ID!, $d: ID!) { project(id: $p) { name createdBy { email } } "
        "dataset(id: $d) { name createdBy { email } } me { id } organization { id } "
        "projects(first: 5) { totalCount } datasets(first: 5) { totalCount } }",
        {"p": project["id"], "d": dataset["id"]},
    )
    assert data["project"]["name"] == "P" and data["dataset"]["name"] == "D"
    assert data["projects"]["totalCount"] == 1 and data["datasets"]["totalCount"] == 1
