"""Shared steps of the labels, imports and exports tests: a project with an ontology and
rows in a batch, and the GraphQL documents they use."""

from __future__ import annotations

from typing import Any

from .conftest import Api
from .workflow_helpers import create_batch, project_with_rows

ONTOLOGY = {
    "tools": [
        {
            "tool": "rectangle",
            "name": "car",
            "classifications": [
                {"type": "radio", "name": "color", "options": [{"value": "red"}, {"value": "blue"}]}
            ],
        },
        {"tool": "polygon", "name": "road"},
        {"tool": "line", "name": "lane"},
        {"tool": "point", "name": "wheel"},
        {"tool": "raster-segmentation", "name": "sky"},
        {"tool": "named-entity", "name": "person"},
        {"tool": "edge", "name": "next to"},
    ],
    "classifications": [
        {
            "type": "radio",
            "name": "weather",
            "options": [
                {
                    "value": "rain",
                    "options": [
                        {"type": "radio", "name": "strength", "options": [{"value": "light"}]}
                    ],
                },
                {"value": "sun"},
            ],
        },
        {"type": "checklist", "name": "tags", "options": [{"value": "blurry"}, {"value": "dark"}]},
        {"type": "text", "name": "notes"},
    ],
}

LABEL_FIELDS = """
  id projectId dataRowId globalKey annotations secondsToLabel isBenchmarkReference
  benchmarkAgreement importId reviews { id score } createdAt updatedAt createdBy { id }
"""
CREATE_LABEL = f"""
mutation($input: CreateLabelInput!) {{ createLabel(input: $input) {{ {LABEL_FIELDS} }} }}
"""
TASK_FIELDS = "id name status result errors failedDataRows"


async def labeled_project(
    api: Api, rows: int = 3, *, prefix: str = "img", **project: Any
) -> tuple[str, list[dict[str, Any]]]:
    """A project with ONTOLOGY connected and `rows` rows in one batch."""
    project_id, created = await project_with_rows(api, rows, prefix=prefix, **project)
    ontology = await api.data(
        "mutation($input: CreateOntologyInput!) { createOntology(input: $input) { id } }",
        {"input": {"name": "Vehicles", "normalized": ONTOLOGY}},
    )
    await api.data(
        "mutation($p: ID!, $o: ID!) { connectOntology(projectId: $p, ontologyId: $o) { id } }",
        {"p": project_id, "o": ontology["createOntology"]["id"]},
    )
    await create_batch(api, project_id, "batch-1", dataRows=[row["id"] for row in created])
    return project_id, created


def box(name: str = "car", **extra: Any) -> dict[str, Any]:
    return {"name": name, "bbox": {"top": 10, "left": 20, "height": 30, "width": 40}, **extra}


async def create_label(
    api: Api, project_id: str, data_row_id: str, annotations: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    data = await api.data(
        CREATE_LABEL,
        {
            "input": {
                "projectId": project_id,
                "dataRowId": data_row_id,
                "annotations": annotations,
                **fields,
            }
        },
    )
    return dict(data["createLabel"])
