"""Feature schemas, ontologies, connecting them to projects, and labeling instructions."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from labelkit.ontology import Classification, OntologyBuilder, Option, Tool

from .conftest import Api
from .workflow_helpers import add_label

FS_FIELDS = "id name kind color normalized createdAt updatedAt"
ONT_FIELDS = (
    "id name description mediaType normalized objectSchemaCount classificationSchemaCount "
    "createdAt updatedAt createdBy { id }"
)
CREATE_FS = f"mutation($n: JSON!) {{ createFeatureSchema(normalized: $n) {{ {FS_FIELDS} }} }}"
UPSERT_FS = f"mutation($n: JSON!) {{ upsertFeatureSchema(normalized: $n) {{ {FS_FIELDS} }} }}"
CREATE_ONT = (
    f"mutation($input: CreateOntologyInput!) {{ createOntology(input: $input) {{ {ONT_FIELDS} }} }}"
)
FROM_SCHEMAS = f"""mutation($name: String!, $ids: [ID!]!, $mediaType: MediaType) {{
  createOntologyFromFeatureSchemas(name: $name, featureSchemaIds: $ids, mediaType: $mediaType)
  {{ {ONT_FIELDS} }} }}"""
INSERT = f"""mutation($o: ID!, $f: ID!, $p: Int!) {{
  insertFeatureSchemaIntoOntology(ontologyId: $o, featureSchemaId: $f, position: $p) {{ {ONT_FIELDS} }} }}"""
REMOVE = """mutation($o: ID!, $f: ID!) {
  removeFeatureSchemaFromOntology(ontologyId: $o, featureSchemaId: $f) { archived deleted } }"""
UNARCHIVE = f"""mutation($o: ID!, $f: ID!) {{
  unarchiveFeatureSchema(ontologyId: $o, featureSchemaId: $f) {{ {ONT_FIELDS} }} }}"""
IS_ARCHIVED = (
    "query($o: ID!, $f: ID!) { isFeatureSchemaArchived(ontologyId: $o, featureSchemaId: $f) }"
)
CONNECT = """mutation($p: ID!, $o: ID!) {
  connectOntology(projectId: $p, ontologyId: $o) { id ontologyId ontology { id name } } }"""


def builder() -> OntologyBuilder:
    return OntologyBuilder(
        tools=[
            Tool(
                tool=Tool.Type.BBOX,
                name="car",
                classifications=[
                    Classification(
                        class_type=Classification.Type.RADIO,
                        name="color",
                        options=[
                            Option(
                                value="red",
                                options=[
                                    Classification(
                                        class_type=Classification.Type.TEXT, name="shade"
                                    )
                                ],
                            ),
                            Option(value="blue"),
                        ],
                    )
                ],
            ),
            Tool(tool=Tool.Type.POLYGON, name="road", color="#00ff00"),
            Tool(tool=Tool.Type.LINE, name="lane"),
            Tool(tool=Tool.Type.POINT, name="sign"),
            Tool(tool=Tool.Type.SEGMENTATION, name="sky"),
            Tool(tool=Tool.Type.RASTER_SEGMENTATION, name="mask"),
            Tool(tool=Tool.Type.NER, name="person"),
            Tool(tool=Tool.Type.RELATIONSHIP, name="follows"),
        ],
        classifications=[
            Classification(
                class_type=Classification.Type.CHECKLIST,
                name="weather",
                options=[Option(value="rain"), Option(value="fog")],
            ),
            Classification(class_type=Classification.Type.TEXT, instructions="notes"),
        ],
    )


async def create_ontology(api: Api, name: str = "Vehicles", **fields: Any) -> dict[str, Any]:
    normalized = fields.pop("normalized", None) or builder().to_dict()
    data = await api.data(CREATE_ONT, {"input": {"name": name, "normalized": normalized, **fields}})
    return dict(data["createOntology"])


def ids_of(node: dict[str, Any]) -> list[str]:
    found = [node["featureSchemaId"]]
    for child in [*node.get("classifications", []), *node.get("options", [])]:
        found.extend(ids_of(child))
    return found


async def test_feature_schema_lifecycle(api: Api) -> None:
    created = (await api.data(CREATE_FS, {"n": {"tool": "polygon", "name": "Cat"}}))[
        "createFeatureSchema"
    ]
    assert created["kind"] == "TOOL" and created["color"] == "#ff0000"
    assert created["normalized"]["featureSchemaId"] == created["id"]
    assert created["normalized"]["schemaNodeId"].startswith("sn_")

    text = Classification(class_type=Classification.Type.TEXT, name="caption").to_dict()
    classification = (await api.data(CREATE_FS, {"n": text}))["createFeatureSchema"]
    assert classification["kind"] == "CLASSIFICATION" and classification["color"] is None

    listed = await api.data(
        "query($f: FeatureSchemaFilter) { featureSchemas(filter: $f) "
        "{ totalCount edges { node { id } } } }",
        {"f": {"nameContains": "CA"}},
    )
    assert {e["node"]["id"] for e in listed["featureSchemas"]["edges"]} == {
        created["id"],
        classification["id"],
    }

    renamed = await api.data(
        'mutation($id: ID!) { updateFeatureSchemaTitle(id: $id, title: "Kitten") { name normalized } }',
        {"id": created["id"]},
    )
    assert renamed["updateFeatureSchemaTitle"]["name"] == "Kitten"
    assert renamed["updateFeatureSchemaTitle"]["normalized"]["name"] == "Kitten"

    upserted = (
        await api.data(
            UPSERT_FS, {"n": {**created["normalized"], "name": "Dog", "color": "#0000ff"}}
        )
    )["upsertFeatureSchema"]
    assert (upserted["id"], upserted["name"], upserted["color"]) == (
        created["id"],
        "Dog",
        "#0000ff",
    )
    assert upserted["normalized"]["schemaNodeId"] == created["normalized"]["schemaNodeId"]
    inserted = (await api.data(UPSERT_FS, {"n": {"tool": "point", "name": "Nose"}}))[
        "upsertFeatureSchema"
    ]
    assert inserted["id"] != created["id"]

    kind_change = await api.error(UPSERT_FS, {"n": {**text, "featureSchemaId": created["id"]}})
    assert kind_change["extensions"]["code"] == "VALIDATION"
    missing = await api.error(
        UPSERT_FS,
        {"n": {"tool": "point", "name": "x", "featureSchemaId": "fsc_0000000000000000000"}},
    )
    assert missing["extensions"]["code"] == "NOT_FOUND"

    delete = "mutation($id: ID!) { deleteUnusedFeatureSchema(id: $id) { deletedCount } }"
    assert (await api.data(delete, {"id": inserted["id"]}))["deleteUnusedFeatureSchema"] == {
        "deletedCount": 1
    }
    gone = await api.error(
        f"query($id: ID!) {{ featureSchema(id: $id) {{ {FS_FIELDS} }} }}", {"id": inserted["id"]}
    )
    assert gone["extensions"]["code"] == "NOT_FOUND"

    ontology = (await api.data(FROM_SCHEMAS, {"name": "uses it", "ids": [created["id"]]}))[
        "createOntologyFromFeatureSchemas"
    ]
    used = await api.error(delete, {"id": created["id"]})
    assert used["extensions"]["code"] == "CONFLICT"
    unused = await api.data("{ unusedFeatureSchemas { edges { node { id } } } }")
    assert [e["node"]["id"] for e in unused["unusedFeatureSchemas"]["edges"]] == [
        classification["id"]
    ]
    assert ontology["normalized"]["tools"][0]["featureSchemaId"] == created["id"]


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"tool": "hexagon", "name": "x"}, "tool 'hexagon' is not one of"),
        ({"type": "text", "name": "x", "options": [{"value": "a"}]}, "has no options"),
        ({"type": "radio", "name": "x"}, "needs at least one option"),
        ({"type": "radio", "name": "x", "options": [{"value": "a"}, {"value": "a"}]}, "used twice"),
        ({"tool": "point", "name": "x", "color": "not a color!"}, "color must be"),
        ({"tool": "point", "name": ""}, "name must be a non-empty string"),
        ({"tool": "point", "name": "x" * 256}, "at most 255"),
        ({"name": "x"}, "needs 'tool'"),
        (
            {"tool": "point", "name": "x", "classifications": [{"tool": "line", "name": "y"}]},
            "must be a classification",
        ),
    ],
)
async def test_invalid_feature_schemas_are_rejected(
    api: Api, node: dict[str, Any], message: str
) -> None:
    error = await api.error(CREATE_FS, {"n": node})
    assert error["extensions"]["code"] == "VALIDATION"
    assert message in error["message"]


async def test_ontology_from_builder_round_trips_and_lists(api: Api) -> None:
    ontology = await create_ontology(api, "Vehicles", description="roads", mediaType="IMAGE")
    normalized = ontology["normalized"]
    assert ontology["objectSchemaCount"] == 8 and ontology["classificationSchemaCount"] == 2
    assert [t["tool"] for t in normalized["tools"]] == [
        "rectangle", "polygon", "line", "point", "superpixel", "raster-segmentation",
        "named-entity", "edge",
    ]  # fmt: skip
    assert normalized["tools"][1]["color"] == "#00ff00"
    assert len({t["color"] for t in normalized["tools"]}) == 8
    all_ids = [
        i for node in normalized["tools"] + normalized["classifications"] for i in ids_of(node)
    ]
    assert len(all_ids) == len(set(all_ids)) == 16 and all(i.startswith("fsc_") for i in all_ids)
    assert OntologyBuilder.from_dict(normalized).to_dict() == normalized

    fetched = await api.data(
        f"query($id: ID!) {{ ontology(id: $id) {{ {ONT_FIELDS} }} }}", {"id": ontology["id"]}
    )
    assert fetched["ontology"] == ontology

    # A node with a featureSchemaId reuses that schema instead of making a new one.
    car = normalized["tools"][0]
    reuse = await create_ontology(
        api, "Cars only", normalized={"tools": [car], "classifications": []}
    )
    assert reuse["normalized"]["tools"] == [car]
    schema_count = await api.data("{ featureSchemas { totalCount } }")
    assert schema_count["featureSchemas"]["totalCount"] == 10

    listed = await api.data(
        "query($f: OntologyFilter) { ontologies(filter: $f) { totalCount edges { node { name } } } }",
        {"f": {"nameContains": "cars"}},
    )
    assert [e["node"]["name"] for e in listed["ontologies"]["edges"]] == ["Cars only"]
    assert ontology["mediaType"] == "IMAGE"
    default_media = await create_ontology(
        api, "Default media", normalized={"tools": [], "classifications": []}
    )
    assert default_media["mediaType"] == "IMAGE"


async def test_invalid_ontologies_are_rejected(api: Api) -> None:
    tool = {"tool": "point", "name": "dup"}
    cases = [
        ({"tools": [tool, tool], "classifications": []}, "VALIDATION", "named 'dup'"),
        ({"tools": [{"type": "text", "name": "t"}]}, "VALIDATION", "is not a tool"),
        ({"tools": "nope"}, "VALIDATION", "must be a list"),
        ({"objects": []}, "VALIDATION", "'tools' and 'classifications'"),
        (
            {"tools": [{**tool, "featureSchemaId": "fsc_0000000000000000000"}]},
            "NOT_FOUND",
            "not found",
        ),
    ]
    for normalized, code, message in cases:
        error = await api.error(CREATE_ONT, {"input": {"name": "bad", "normalized": normalized}})
        assert error["extensions"]["code"] == code, normalized
        assert message in error["message"]
    schema = (await api.data(CREATE_FS, {"n": tool}))["createFeatureSchema"]
    repeated = await api.error(FROM_SCHEMAS, {"name": "x", "ids": [schema["id"], schema["id"]]})
    assert repeated["extensions"]["code"] == "VALIDATION"
    empty = await api.error(FROM_SCHEMAS, {"name": "x", "ids": []})
    assert empty["extensions"]["code"] == "VALIDATION"


async def test_insert_remove_archive_and_unarchive(app: Starlette, api: Api) -> None:
    ontology = await create_ontology(api)
    tools = ontology["normalized"]["tools"]
    car, road = tools[0], tools[1]
    extra = (await api.data(CREATE_FS, {"n": {"tool": "point", "name": "extra"}}))[
        "createFeatureSchema"
    ]

    inserted = (await api.data(INSERT, {"o": ontology["id"], "f": extra["id"], "p": 1}))[
        "insertFeatureSchemaIntoOntology"
    ]
    assert [t["name"] for t in inserted["normalized"]["tools"]][:3] == ["car", "extra", "road"]
    moved = (await api.data(INSERT, {"o": ontology["id"], "f": extra["id"], "p": 0}))[
        "insertFeatureSchemaIntoOntology"
    ]
    assert [t["name"] for t in moved["normalized"]["tools"]][:3] == ["extra", "car", "road"]
    for position in (-1, 11):
        error = await api.error(INSERT, {"o": ontology["id"], "f": extra["id"], "p": position})
        assert error["extensions"]["code"] == "VALIDATION"
        assert "between 0 and 10" in error["message"]
    clash = (await api.data(CREATE_FS, {"n": {"tool": "point", "name": "car"}}))[
        "createFeatureSchema"
    ]
    same_name = await api.error(INSERT, {"o": ontology["id"], "f": clash["id"], "p": 0})
    assert same_name["extensions"]["code"] == "VALIDATION"

    # No labels use `road`: it is deleted from the ontology (the schema itself stays).
    removed = await api.data(REMOVE, {"o": ontology["id"], "f": road["featureSchemaId"]})
    assert removed["removeFeatureSchemaFromOntology"] == {"archived": False, "deleted": True}
    not_there = await api.error(IS_ARCHIVED, {"o": ontology["id"], "f": road["featureSchemaId"]})
    assert not_there["extensions"]["code"] == "NOT_FOUND"

    # A label of a project using the ontology uses a nested node of `car`: archived instead.
    project = await api.create_project("Labeled")
    await api.data(CONNECT, {"p": project["id"], "o": ontology["id"]})
    dataset = await api.create_dataset()
    [row] = (await api.create_rows(dataset["id"], [{"rowData": "x"}]))["dataRows"]
    nested_option = car["classifications"][0]["options"][0]["featureSchemaId"]
    await add_label(app, api, project["id"], row["id"], (nested_option,))
    archived = await api.data(REMOVE, {"o": ontology["id"], "f": car["featureSchemaId"]})
    assert archived["removeFeatureSchemaFromOntology"] == {"archived": True, "deleted": False}
    check = await api.data(IS_ARCHIVED, {"o": ontology["id"], "f": car["featureSchemaId"]})
    assert check["isFeatureSchemaArchived"] is True
    current = await api.data(
        f"query($id: ID!) {{ ontology(id: $id) {{ {ONT_FIELDS} }} }}", {"id": ontology["id"]}
    )
    assert "car" not in [t["name"] for t in current["ontology"]["normalized"]["tools"]]

    restored = (await api.data(UNARCHIVE, {"o": ontology["id"], "f": car["featureSchemaId"]}))[
        "unarchiveFeatureSchema"
    ]
    assert [t["name"] for t in restored["normalized"]["tools"]][:2] == ["extra", "car"]
    again = await api.error(UNARCHIVE, {"o": ontology["id"], "f": car["featureSchemaId"]})
    assert again["extensions"]["code"] == "VALIDATION"
    delete = "mutation($id: ID!) { deleteUnusedFeatureSchema(id: $id) { deletedCount } }"
    in_use = await api.error(delete, {"id": car["featureSchemaId"]})
    assert in_use["extensions"]["code"] == "CONFLICT"
    freed = await api.data(delete, {"id": road["featureSchemaId"]})
    assert freed["deleteUnusedFeatureSchema"]["deletedCount"] == 1


async def test_connect_ontology_checks_media_type_and_labels(app: Starlette, api: Api) -> None:
    image = await create_ontology(api, "Images")
    video = await create_ontology(api, "Videos", mediaType="VIDEO")
    project = await api.create_project("Connect", mediaType="IMAGE")

    mismatch = await api.error(CONNECT, {"p": project["id"], "o": video["id"]})
    assert mismatch["extensions"]["code"] == "VALIDATION"
    assert "VIDEO" in mismatch["message"] and "IMAGE" in mismatch["message"]

    connected = (await api.data(CONNECT, {"p": project["id"], "o": image["id"]}))["connectOntology"]
    assert connected["ontologyId"] == image["id"] and connected["ontology"]["name"] == "Images"
    unused = await api.data("{ unusedOntologies { edges { node { id } } } }")
    assert [e["node"]["id"] for e in unused["unusedOntologies"]["edges"]] == [video["id"]]
    delete = "mutation($id: ID!) { deleteUnusedOntology(id: $id) { deletedCount } }"
    assert (await api.error(delete, {"id": image["id"]}))["extensions"]["code"] == "CONFLICT"
    assert (await api.data(delete, {"id": video["id"]}))["deleteUnusedOntology"][
        "deletedCount"
    ] == 1

    other = await create_ontology(api, "Other images")
    assert (await api.data(CONNECT, {"p": project["id"], "o": other["id"]}))["connectOntology"]
    dataset = await api.create_dataset()
    [row] = (await api.create_rows(dataset["id"], [{"rowData": "x"}]))["dataRows"]
    await add_label(app, api, project["id"], row["id"])
    locked = await api.error(CONNECT, {"p": project["id"], "o": image["id"]})
    assert locked["extensions"]["code"] == "CONFLICT"


async def test_ontologies_are_private_to_their_organization(
    api: Api, new_api: Callable[[], Awaitable[Api]]
) -> None:
    ontology = await create_ontology(api)
    other = await new_api()
    for query, variables in (
        (f"query($id: ID!) {{ ontology(id: $id) {{ {ONT_FIELDS} }} }}", {"id": ontology["id"]}),
        (
            FROM_SCHEMAS,
            {"name": "x", "ids": [ontology["normalized"]["tools"][0]["featureSchemaId"]]},
        ),
        (CONNECT, {"p": (await other.create_project())["id"], "o": ontology["id"]}),
    ):
        assert (await other.error(query, variables))["extensions"]["code"] == "NOT_FOUND"


INSTRUCTIONS = (
    "mutation($p: ID!, $file: Upload!) { uploadProjectInstructions(projectId: $p, file: $file) }"
)


async def upload_instructions(
    api: Api, project_id: str, filename: str, content_type: str
) -> httpx.Response:
    operations = json.dumps({"query": INSTRUCTIONS, "variables": {"p": project_id, "file": None}})
    return await api.client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, b"%PDF-1.4 instructions", content_type)},
        headers={"Authorization": f"Bearer {api.api_key}"},
    )


async def test_instructions_need_an_ontology_and_a_pdf_or_html_file(api: Api) -> None:
    project = await api.create_project("Instructions")
    first = await upload_instructions(api, project["id"], "guide.pdf", "application/pdf")
    assert first.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert "connect one first" in first.json()["errors"][0]["message"]

    ontology = await create_ontology(api)
    await api.data(CONNECT, {"p": project["id"], "o": ontology["id"]})
    for filename, content_type in (("guide.docx", "application/pdf"), ("guide.pdf", "text/plain")):
        rejected = await upload_instructions(api, project["id"], filename, content_type)
        assert rejected.json()["errors"][0]["extensions"]["code"] == "VALIDATION", filename

    stored = await upload_instructions(api, project["id"], "guide.pdf", "application/pdf")
    url = stored.json()["data"]["uploadProjectInstructions"]
    fetched = await api.client.get(
        httpx.URL(url).path, headers={"Authorization": f"Bearer {api.api_key}"}
    )
    assert fetched.content == b"%PDF-1.4 instructions"
    assert fetched.headers["content-type"] == "application/pdf"

    # Shared by every project with the same ontology.
    sibling = await api.create_project("Sibling")
    await api.data(CONNECT, {"p": sibling["id"], "o": ontology["id"]})
    read = await api.data(
        "query($id: ID!) { project(id: $id) { instructionsUrl } }", {"id": sibling["id"]}
    )
    assert read["project"]["instructionsUrl"] == url
    html = await upload_instructions(api, sibling["id"], "guide.html", "text/html; charset=utf-8")
    assert html.json()["data"]["uploadProjectInstructions"].startswith(
        "http://labelkit.test/files/"
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"qualityMode": "BENCHMARK", "numberOfLabels": 2}, "apply to CONSENSUS"),
        ({"qualityMode": "CONSENSUS", "numberOfLabels": 1}, "between 2 and 20"),
        ({"qualityMode": "CONSENSUS", "numberOfLabels": 21}, "between 2 and 20"),
        ({"qualityMode": "CONSENSUS", "coveragePercentage": 1.01}, "between 0 and 1"),
        ({"qualityMode": "CONSENSUS", "coveragePercentage": -0.1}, "between 0 and 1"),
    ],
)
async def test_quality_settings_limits(api: Api, fields: dict[str, Any], message: str) -> None:
    error = await api.error(
        "mutation($input: CreateProjectInput!) { createProject(input: $input) { id } }",
        {"input": {"name": "q", **fields}},
    )
    assert error["extensions"]["code"] == "VALIDATION"
    assert message in error["message"]


async def test_quality_settings_defaults(api: Api) -> None:
    fields = "numberOfLabels coveragePercentage qualityMode"
    query = (
        f"mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ {fields} }} }}"
    )
    benchmark = (await api.data(query, {"input": {"name": "b"}}))["createProject"]
    assert (benchmark["numberOfLabels"], benchmark["coveragePercentage"]) == (1, 1.0)
    consensus = (await api.data(query, {"input": {"name": "c", "qualityMode": "CONSENSUS"}}))[
        "createProject"
    ]
    assert (consensus["numberOfLabels"], consensus["coveragePercentage"]) == (3, 1.0)
    custom = (
        await api.data(
            query,
            {
                "input": {
                    "name": "c",
                    "qualityMode": "CONSENSUS",
                    "numberOfLabels": 20,
                    "coveragePercentage": 0.1,
                }
            },
        )
    )["createProject"]
    assert (custom["numberOfLabels"], custom["coveragePercentage"]) == (20, 0.1)
