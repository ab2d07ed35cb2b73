from __future__ import annotations

import logging

import httpx
import pytest
from starlette.applications import Starlette

from labelkit.server.resolvers import projects

from .conftest import Api
from .test_uploads import upload


async def test_internal_errors_are_masked_and_logged(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(prefix: str) -> str:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(projects, "new_id", broken)
    with caplog.at_level(logging.ERROR, logger="labelkit.server"):
        response = await api.post('mutation { createProject(input: {name: "x"}) { id } }')
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL"
    request_id = response.headers["x-request-id"]
    assert error["extensions"]["requestId"] == request_id
    # The server log has the details, tied to the request id.
    records = [r for r in caplog.records if request_id in r.getMessage()]
    assert records and records[0].exc_info and "secret detail" in str(records[0].exc_info[1])


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ me { id ", {}),  # parse error
        ("{ me { nope } }", {}),  # validation error
        ("query($n: Int) { projects(first: $n) { totalCount } }", {"n": "not-an-int"}),
        ("query($id: ID!) { project(id: $id) { id } }", {}),  # missing variable
    ],
    ids=["parse", "unknown-field", "variable-type", "missing-variable"],
)
async def test_graphql_errors_are_validation(
    api: Api, query: str, variables: dict[str, object]
) -> None:
    error = await api.error(query, variables)
    assert error["extensions"]["code"] == "VALIDATION"
    assert error["message"] != "Internal server error"


async def test_malformed_bodies_get_graphql_shaped_errors(
    api: Api, http: httpx.AsyncClient
) -> None:
    headers = {"Authorization": f"Bearer {api.api_key}"}
    for content, content_type in [(b"{not json", "application/json"), (b"query", "text/plain")]:
        response = await http.post(
            "/graphql", content=content, headers={**headers, "Content-Type": content_type}
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert error["extensions"] == {
            "code": "VALIDATION",
            "requestId": response.headers["x-request-id"],
        }


async def test_get_is_not_an_explorer(api: Api, http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Authorization": f"Bearer {api.api_key}"})
    assert response.status_code == 405


async def test_unhandled_errors_outside_graphql_are_json_500(
    api: Api, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = await upload(api, b"data")
    path = httpx.URL(response.json()["data"]["uploadFile"]).path

    def broken(*args: object) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(app.state.labelkit.files, "path", broken)
    response = await api.client.get(path, headers={"Authorization": f"Bearer {api.api_key}"})
    assert response.status_code == 500
    assert "secret" not in response.text
    assert response.json()["errors"][0]["extensions"] == {
        "code": "INTERNAL",
        "requestId": response.headers["x-request-id"],
    }
