"""Client-side checks of the project workflow managers and the ontology builder: bad input
fails before any request, and payloads go out in their lean form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from labelkit import Classification, GlobalKey, OntologyBuilder, Option, Tool
from labelkit.resources.batches import MAX_BATCH_ROWS

from ._helpers import multipart, ok

BATCH = {
    "id": "bat_1",
    "projectId": "prj_1",
    "name": "b",
    "priority": 5,
    "size": MAX_BATCH_ROWS,
    "consensusSettings": None,
    "archived": False,
    "failedDataRows": [],
    "createdAt": "2024-05-01T12:00:00Z",
    "updatedAt": "2024-05-01T12:00:00Z",
    "createdBy": {"id": "usr_1", "email": "a@example.com", "name": "A"},
}


def variables(api: Any) -> dict[str, Any]:
    return dict(json.loads(api.calls.last.request.content)["variables"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"data_rows": ["dr_1"], "global_keys": ["k"]}, ValueError, "exactly one"),
        ({}, ValueError, "exactly one"),
        ({"data_rows": []}, ValueError, "must not be empty"),
        ({"data_rows": "dr_1"}, TypeError, "not a single string"),
        ({"data_rows": [1]}, TypeError, "data row ids"),
        ({"global_keys": ["ok", ""]}, TypeError, "non-empty strings"),
        ({"data_rows": ["dr"] * (MAX_BATCH_ROWS + 1)}, ValueError, "at most 100,000"),
        ({"data_rows": ["dr_1"], "priority": 0}, ValueError, "between 1"),
        ({"data_rows": ["dr_1"], "priority": 6}, ValueError, "between 1"),
        ({"data_rows": ["dr_1"], "priority": True}, TypeError, "int"),
        (
            {
                "data_rows": ["dr_1"],
                "consensus_settings": {"number_of_labels": 1, "coverage_percentage": 0.5},
            },
            ValueError,
            "between 2 and 20",
        ),
        (
            {"data_rows": ["dr_1"], "consensus_settings": {"number_of_labels": 3}},
            ValueError,
            "exactly number_of_labels and coverage_percentage",
        ),
    ],
)
async def test_batch_create_checks_before_sending(client, api, kwargs, error, match):
    with pytest.raises(error, match=match):
        await client.batches.create("prj_1", "b", **kwargs)
    assert not api.called


async def test_batch_of_exactly_100_000_rows_goes_out_as_one_json_array(client, api):
    api.mock(return_value=ok({"createBatch": BATCH}))
    ids = [f"dr_{i}" for i in range(MAX_BATCH_ROWS)]

    await client.batches.create("prj_1", "b", data_rows=ids, priority=1)

    sent = variables(api)
    assert sent["dataRows"] == ids and "globalKeys" not in sent and sent["priority"] == 1
    assert api.calls.last.request.headers["idempotency-key"].startswith("lk-")


async def test_create_many_limits(client, api):
    with pytest.raises(ValueError, match="at most 1,000,000"):
        await client.batches.create_many(
            "prj_1", "p", global_keys=[f"k{i}" for i in range(1_000_001)]
        )
    with pytest.raises(ValueError, match="at most 251"):
        await client.batches.create_many("prj_1", "p" * 252, global_keys=["k"])
    assert not api.called


async def test_overrides_are_checked_before_sending(client, api):
    for overrides, error, match in (
        ([("dr_1", 1)] * 1001, ValueError, "at most 1000"),
        ([("dr_1", 2**31)], ValueError, "32-bit"),
        ([("dr_1", -(2**31) - 1)], ValueError, "32-bit"),
        ([("dr_1", 1.5)], TypeError, "int"),
        ([("dr_1", 1), (GlobalKey("k"), 2)], ValueError, "all use"),
        ([("dr_1",)], TypeError, "pair"),
        ([(None, 1)], TypeError, "GlobalKey"),
    ):
        with pytest.raises(error, match=match):
            await client.projects.set_labeling_overrides("prj_1", overrides)
    assert not api.called


async def test_overrides_at_the_limits_are_sent(client, api):
    api.mock(return_value=ok({"setLabelingParameterOverrides": 1000}))
    overrides = [(GlobalKey(f"k{i}"), 2**31 - 1 if i else -(2**31)) for i in range(1000)]

    assert await client.projects.set_labeling_overrides("prj_1", overrides) == 1000

    sent = variables(api)["overrides"]
    assert len(sent) == 1000 and sent[0] == {"globalKey": "k0", "priority": -(2**31)}


async def test_instructions_other_than_pdf_or_html_are_refused_before_sending(client, api):
    for name in ("guide.txt", "guide.pdf.exe", "guide"):
        with pytest.raises(ValueError, match=r"\.pdf or \.html"):
            await client.projects.upload_instructions("prj_1", b"x", filename=name)
    assert not api.called


async def test_instructions_are_sent_with_their_content_type(client, api):
    api.mock(return_value=ok({"uploadProjectInstructions": "http://x/files/fil_1"}))

    await client.projects.upload_instructions("prj_1", b"<p>hi</p>", filename="Guide.HTML")

    part = multipart(api.calls.last.request)["0"]
    assert part == ("Guide.HTML", "text/html", b"<p>hi</p>")


async def test_other_managers_check_their_input(client, api):
    checks = [
        (
            client.projects.move_data_rows_to_task_queue("prj_1", None, data_rows=["d"] * 100_001),
            "at most 100,000",
        ),
        (client.projects.update_labeling_priority("prj_1", 2**31, data_rows=["d"]), "32-bit"),
        (client.projects.labeling_queue("prj_1", first=1001), "between 1 and 1000"),
        (client.projects.set_member_role("prj_1", "usr_1", "none"), "can't be NONE"),
        (client.projects.create(name="p", number_of_labels=2), "CONSENSUS"),
        (
            client.projects.create(name="p", quality_mode="consensus", number_of_labels=21),
            "between 2 and 20",
        ),
        (client.webhooks.create(url="ftp://x", secret="s", topics=["label_created"]), "http"),
        (client.webhooks.create(url="http://x", secret="", topics=["label_created"]), "secret"),
        (client.webhooks.create(url="http://x", secret="s", topics=[]), "must not be empty"),
        (
            client.webhooks.create(url="http://x", secret="s", topics=["label_exploded"]),
            "must be one of",
        ),
        (client.webhooks.update("whk_1"), "at least one field"),
        (client.resource_tags.create("t", "#ffffff"), "six hex digits"),
        (client.invites.create("x@example.com", "none"), "needs project_roles"),
        (
            client.invites.create(
                "x@example.com", "labeler", project_roles=[("prj_1", "reviewer")]
            ),
            "only to invites",
        ),
        (client.ontologies.insert_feature_schema("ont_1", "fsc_1", -1), "position"),
        (client.ontologies.create("o", {"objects": []}), "unknown keys"),
        (client.ontologies.create_from_feature_schemas("o", []), "must not be empty"),
        (client.feature_schemas.create({"name": "x"}), "needs 'tool'"),
    ]
    for call, match in checks:
        with pytest.raises(ValueError, match=match):
            await call
    assert not api.called


async def test_create_project_sends_consensus_fields_only_when_given(client, api):
    from ._helpers import project_node

    api.mock(
        return_value=ok({"createProject": project_node(qualityMode="CONSENSUS", numberOfLabels=4)})
    )
    await client.projects.create(
        name="c", quality_mode="consensus", number_of_labels=4, coverage_percentage=0.25
    )
    sent = variables(api)["input"]
    assert (sent["qualityMode"], sent["numberOfLabels"], sent["coveragePercentage"]) == (
        "CONSENSUS",
        4,
        0.25,
    )


def test_builder_round_trip_defaults_and_aliases():
    builder = OntologyBuilder(
        tools=[
            Tool(tool=Tool.Type.BOUNDING_BOX, name="a"),
            Tool(tool="polygon", name="b", color="#010203"),
            Tool(tool=Tool.Type.NER, name="c"),
        ],
        classifications=[
            Classification(class_type="radio", instructions="q", options=[Option(value="y")])
        ],
    )
    normalized = builder.to_dict()
    assert [t["tool"] for t in normalized["tools"]] == ["rectangle", "polygon", "named-entity"]
    assert Tool.Type.BBOX is Tool.Type.BOUNDING_BOX and Tool.Type.LINE is Tool.Type.POLYLINE
    # Evenly spread hues for tools without a color, as the server picks them.
    assert [t["color"] for t in normalized["tools"]] == ["#ff0000", "#010203", "#0000ff"]
    question = normalized["classifications"][0]
    assert (question["name"], question["instructions"], question["options"][0]["label"]) == (
        "q",
        "q",
        "y",
    )
    assert OntologyBuilder.from_dict(normalized).to_dict() == normalized


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: OntologyBuilder(
                tools=[Tool(tool="point", name="x"), Tool(tool="line", name="x")]
            ),
            "duplicate tool",
        ),
        (
            lambda: Classification(class_type="text", name="t", options=[Option(value="a")]),
            "can't have options",
        ),
        (lambda: Classification(class_type="radio", name="r").to_dict(), "needs options"),
        (lambda: Classification(class_type="radio"), "needs a name"),
        (
            lambda: Classification(
                class_type="radio", name="r", options=[Option(value="a"), Option(value="a")]
            ),
            "duplicate option",
        ),
        (lambda: Tool(tool="hexagon", name="x"), "hexagon"),
        (lambda: Option(value=""), "non-empty"),
    ],
)
def test_builder_rejects_inconsistent_ontologies(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_builder_add_methods_reject_duplicates():
    builder = OntologyBuilder()
    builder.add_tool(Tool(tool="point", name="p"))
    with pytest.raises(ValueError, match="duplicate"):
        builder.add_tool(Tool(tool="line", name="p"))
    builder.add_classification(Classification(class_type="text", name="t"))
    with pytest.raises(ValueError, match="duplicate"):
        builder.add_classification(Classification(class_type="text", name="t"))
