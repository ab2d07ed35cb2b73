"""Shared steps of the project workflow tests: projects with rows, labels written directly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.applications import Starlette

from labelkit.server.ids import new_id
from labelkit.server.models import Label, LabelFeature, User, utcnow

from .conftest import Api

BATCH_FIELDS = """
  id projectId name priority size archived failedDataRows
  consensusSettings { numberOfLabels coveragePercentage } createdAt updatedAt createdBy { id }
"""
CREATE_BATCH = f"""
mutation($projectId: ID!, $name: String!, $dataRows: JSON, $globalKeys: JSON, $priority: Int,
         $consensusSettings: ConsensusSettingsInput) {{
  createBatch(projectId: $projectId, name: $name, dataRows: $dataRows, globalKeys: $globalKeys,
              priority: $priority, consensusSettings: $consensusSettings) {{ {BATCH_FIELDS} }}
}}
"""
QUEUE = """
query($projectId: ID!, $first: Int) {
  labelingQueue(projectId: $projectId, first: $first) {
    dataRowId globalKey batchId batchPriority overridePriority
  }
}
"""


async def project_with_rows(
    api: Api, count: int, *, prefix: str = "row", **project: Any
) -> tuple[str, list[dict[str, Any]]]:
    """A project and `count` rows (global keys `<prefix>-<i>`) in a new dataset."""
    project_id = (await api.create_project("Workflow", **project))["id"]
    dataset = await api.create_dataset("Rows")
    rows: list[dict[str, Any]] = []
    for start in range(0, count, 1000):
        created = await api.create_rows(
            dataset["id"],
            [
                {"rowData": f"https://example.com/{i}.jpg", "globalKey": f"{prefix}-{i}"}
                for i in range(start, min(count, start + 1000))
            ],
        )
        rows.extend(created["dataRows"])
    return project_id, rows


async def create_batch(api: Api, project_id: str, name: str, **variables: Any) -> dict[str, Any]:
    data = await api.data(CREATE_BATCH, {"projectId": project_id, "name": name, **variables})
    return dict(data["createBatch"])


async def queue(api: Api, project_id: str, first: int = 100) -> list[dict[str, Any]]:
    data = await api.data(QUEUE, {"projectId": project_id, "first": first})
    return list(data["labelingQueue"])


async def add_label(
    app: Starlette,
    api: Api,
    project_id: str,
    data_row_id: str,
    feature_schema_ids: tuple[str, ...] = (),
) -> str:
    """Writes a label the way the labels API will, straight to the database."""
    sessions = app.state.labelkit.sessions
    now = utcnow()
    label_id = new_id("lbl")
    async with sessions.begin() as session:
        user_id = await session.scalar(
            select(User.id).where(User.organization_id == api.organization_id).limit(1)
        )
        session.add(
            Label(
                id=label_id,
                organization_id=api.organization_id,
                project_id=project_id,
                data_row_id=data_row_id,
                created_by_id=user_id,
                created_at=now,
                updated_at=now,
                payload={},
            )
        )
        await session.flush()
        session.add_all(
            LabelFeature(label_id=label_id, feature_schema_id=f) for f in feature_schema_ids
        )
    return label_id


async def add_user(app: Starlette, api: Api, email: str, role: str) -> str:
    async with app.state.labelkit.sessions.begin() as session:
        user = User(
            id=new_id("usr"),
            organization_id=api.organization_id,
            email=email,
            name=email.split("@")[0],
            role=role,
            created_at=utcnow(),
        )
        session.add(user)
    return user.id
