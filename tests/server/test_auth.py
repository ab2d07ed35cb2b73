from __future__ import annotations

import httpx
import pytest

from labelkit.server import create_app

from .conftest import DEV_KEY, Api

ME = "{ me { id email role organization { id name } } }"


async def test_healthz_needs_no_key(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
    ids=["missing", "unknown", "wrong-scheme", "empty"],
)
async def test_requests_without_a_valid_key_get_401(
    http: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await http.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_files_need_a_key(http: httpx.AsyncClient) -> None:
    response = await http.get("/files/fil_whatever")
    assert response.status_code == 401


async def test_me_and_organization(api: Api) -> None:
    data = await api.data(ME + " ")
    assert data["me"]["role"] == "ADMIN"
    assert data["me"]["organization"]["id"] == api.organization_id
    org = (await api.data("{ organization { id name createdAt updatedAt } }"))["organization"]
    assert org["id"] == api.organization_id
    assert org["createdAt"].endswith("+00:00")


async def test_users_connection(api: Api) -> None:
    users = (await api.data("{ users(first: 10) { totalCount edges { node { id email } } } }"))[
        "users"
    ]
    assert users["totalCount"] == 1
    assert users["edges"][0]["node"]["email"] == "admin@localhost"


async def test_dev_key_is_the_bootstrap_admin(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {DEV_KEY}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["email"] == "admin@localhost"


async def test_request_id_is_echoed_when_sane(api: Api) -> None:
    response = await api.post(ME, headers={"X-Request-Id": "client-abc.123"})
    assert response.headers["x-request-id"] == "client-abc.123"
    response = await api.post(ME, headers={"X-Request-Id": "bad id with spaces"})
    assert response.headers["x-request-id"].startswith("req_")


async def test_bootstrap_generates_a_key_then_accepts_a_dev_key_on_rerun(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / 'boot.db'}"
    first = create_app(url)
    await first.state.labelkit.ensure_started()
    generated = first.state.labelkit.generated_key
    await first.state.labelkit.shutdown()
    assert generated and generated.startswith("lk_")

    second = create_app(url, dev_key="lk_added_later")
    await second.state.labelkit.ensure_started()
    assert second.state.labelkit.generated_key is None  # the database already existed
    try:
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for key in (generated, "lk_added_later"):
                response = await client.post(
                    "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {key}"}
                )
                assert response.status_code == 200, response.text
                assert response.json()["data"]["me"]["email"] == "admin@localhost"
    finally:
        await second.state.labelkit.shutdown()
