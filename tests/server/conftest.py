"""Fixtures for the reference server tests.

Every test runs against SQLite (a temporary file) and, when LABELKIT_TEST_POSTGRES_URL is set
(e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test), against PostgreSQL too. PostgreSQL
runs get a fresh database per test session (`create_database`), dropped at the end.

One app and one database serve the whole session; tests isolate themselves by creating their
own organization (`api` fixture), which the server's multi-tenancy keeps apart from the rest.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from labelkit.server import create_app, create_database, create_organization, drop_database

POSTGRES_URL = os.environ.get("LABELKIT_TEST_POSTGRES_URL")
DEV_KEY = "lk_test_dev_key"

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="LABELKIT_TEST_POSTGRES_URL not set"),
    ),
]


async def fresh_database_url(backend: str, directory: Path) -> str:
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{directory / f'labelkit-{uuid.uuid4().hex[:8]}.db'}"
    assert POSTGRES_URL is not None
    return await create_database(POSTGRES_URL)


async def discard_database(backend: str, url: str) -> None:
    if backend == "postgres":
        await drop_database(url)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Starlette]:
    directory = tmp_path_factory.mktemp(f"server-{backend}")
    url = await fresh_database_url(backend, directory)
    application = create_app(url, dev_key=DEV_KEY, data_dir=directory / "files")
    await application.state.labelkit.ensure_started()
    yield application
    await application.state.labelkit.shutdown()
    await discard_database(backend, url)


class Api:
    """Raw GraphQL over HTTP against the in-process app, as one organization's API key."""

    def __init__(self, client: httpx.AsyncClient, api_key: str, organization_id: str) -> None:
        self.client = client
        self.api_key = api_key
        self.organization_id = organization_id

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.api_key}", **(headers or {})},
        )

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        body = response.json()
        assert "errors" not in body, body
        assert response.status_code == 200
        data: dict[str, Any] = body["data"]
        return data

    async def error(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The first GraphQL error of a request that must fail; checks its extensions."""
        response = await self.post(query, variables)
        body = response.json()
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]
        return error

    async def create_project(self, name: str = "Project", **fields: Any) -> dict[str, Any]:
        data = await self.data(
            "mutation($input: CreateProjectInput!) { createProject(input: $input) "
            "{ id name description mediaType queueMode qualityMode createdAt updatedAt "
            "lastActivityTime createdBy { id email } } }",
            {"input": {"name": name, **fields}},
        )
        return dict(data["createProject"])

    async def create_dataset(self, name: str = "Dataset", **fields: Any) -> dict[str, Any]:
        data = await self.data(
            "mutation($input: CreateDatasetInput!) { createDataset(input: $input) "
            "{ id name description rowCount createdAt updatedAt createdBy { id } } }",
            {"input": {"name": name, **fields}},
        )
        return dict(data["createDataset"])

    async def create_rows(self, dataset_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        data = await self.data(CREATE_ROWS, {"datasetId": dataset_id, "rows": rows})
        return dict(data["createDataRows"])


DATA_ROW_FIELDS = """
  id datasetId rowData globalKey externalId mediaType metadata
  attachments { type value name } createdAt updatedAt
"""

CREATE_ROWS = f"""
mutation($datasetId: ID!, $rows: [DataRowInput!]!) {{
  createDataRows(datasetId: $datasetId, rows: $rows) {{ createdCount dataRows {{ {DATA_ROW_FIELDS} }} }}
}}
"""


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://labelkit.test") as client:
        yield client


@pytest.fixture
def new_api(app: Starlette, http: httpx.AsyncClient) -> Callable[[], Awaitable[Api]]:
    """Makes an `Api` for a brand-new organization."""

    async def make() -> Api:
        organization_id, api_key = await create_organization(
            app.state.labelkit.sessions, f"Org {uuid.uuid4().hex[:8]}"
        )
        return Api(http, api_key, organization_id)

    return make


@pytest.fixture
async def api(new_api: Callable[[], Awaitable[Api]]) -> Api:
    return await new_api()
