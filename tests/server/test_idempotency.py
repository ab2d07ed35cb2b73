from __future__ import annotations

import asyncio
import hashlib
import json
import uuid

import pytest

from labelkit.server.resolvers import projects

from .conftest import Api

CREATE = "mutation($input: CreateProjectInput!) { createProject(input: $input) { id name } }"
COUNT = "query($name: String) { projects(filter: {nameContains: $name}) { totalCount } }"


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


async def count(api: Api, name: str) -> int:
    return int((await api.data(COUNT, {"name": name}))["projects"]["totalCount"])


async def test_same_key_and_body_is_replayed(api: Api) -> None:
    headers = {"Idempotency-Key": key()}
    first = await api.post(CREATE, {"input": {"name": "once"}}, headers=headers)
    second = await api.post(CREATE, {"input": {"name": "once"}}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    assert await count(api, "once") == 1


async def test_same_key_with_another_body_conflicts(api: Api) -> None:
    headers = {"Idempotency-Key": key()}
    await api.post(CREATE, {"input": {"name": "first"}}, headers=headers)
    response = await api.post(CREATE, {"input": {"name": "second"}}, headers=headers)
    assert response.status_code == 409
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert await count(api, "second") == 0


async def test_concurrent_requests_with_one_key_create_one_object(api: Api) -> None:
    headers = {"Idempotency-Key": key()}
    responses = await asyncio.gather(
        *(api.post(CREATE, {"input": {"name": "racer"}}, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 7
    assert await count(api, "racer") == 1


async def test_keys_are_per_organization(api: Api, new_api) -> None:  # type: ignore[no-untyped-def]
    other: Api = await new_api()
    headers = {"Idempotency-Key": key()}
    mine = await api.post(CREATE, {"input": {"name": "per-org"}}, headers=headers)
    theirs = await other.post(CREATE, {"input": {"name": "per-org"}}, headers=headers)
    assert "idempotent-replayed" not in theirs.headers
    assert (
        mine.json()["data"]["createProject"]["id"] != theirs.json()["data"]["createProject"]["id"]
    )


async def test_validation_errors_are_replayed_too(api: Api) -> None:
    headers = {"Idempotency-Key": key()}
    first = await api.post(CREATE, {"input": {"name": ""}}, headers=headers)
    second = await api.post(CREATE, {"input": {"name": ""}}, headers=headers)
    assert first.json()["errors"][0]["extensions"]["code"] == "VALIDATION"
    assert second.headers["idempotent-replayed"] == "true" and second.content == first.content


async def test_internal_errors_are_not_stored(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = {"Idempotency-Key": key()}

    def broken(prefix: str) -> str:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(projects, "new_id", broken)
        failed = await api.post(CREATE, {"input": {"name": "retry-me"}}, headers=headers)
    assert failed.json()["errors"][0]["extensions"]["code"] == "INTERNAL"
    retried = await api.post(CREATE, {"input": {"name": "retry-me"}}, headers=headers)
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["data"]["createProject"]["name"] == "retry-me"
    assert await count(api, "retry-me") == 1


async def test_invalid_key_is_rejected(api: Api) -> None:
    response = await api.post(
        CREATE, {"input": {"name": "x"}}, headers={"Idempotency-Key": "x" * 300}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "VALIDATION"


async def test_requests_without_a_key_are_not_deduplicated(api: Api) -> None:
    for _ in range(2):
        await api.post(CREATE, {"input": {"name": "twice"}})
    assert await count(api, "twice") == 2


async def test_key_reserved_by_another_process_asks_to_retry(app, api: Api) -> None:  # type: ignore[no-untyped-def]
    from labelkit.server.models import IdempotencyKey, utcnow

    reserved = key()
    body = json.dumps({"query": CREATE, "variables": {"input": {"name": "elsewhere"}}}).encode()
    async with app.state.labelkit.sessions.begin() as session:
        session.add(
            IdempotencyKey(
                organization_id=api.organization_id,
                key=reserved,
                request_hash=hashlib.sha256(body).hexdigest(),
                created_at=utcnow(),
            )
        )
    response = await api.client.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.api_key}",
            "Content-Type": "application/json",
            "Idempotency-Key": reserved,
        },
    )
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"
    extensions = response.json()["errors"][0]["extensions"]
    assert extensions["code"] == "CONFLICT" and extensions["reason"] == "IDEMPOTENCY_KEY_IN_USE"


async def test_a_request_cancelled_midway_releases_its_key(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"Idempotency-Key": key()}

    def cancelled(prefix: str) -> str:
        raise asyncio.CancelledError

    with monkeypatch.context() as patch, pytest.raises(asyncio.CancelledError):
        patch.setattr(projects, "new_id", cancelled)
        await api.post(CREATE, {"input": {"name": "cancelled"}}, headers=headers)
    retried = await api.post(CREATE, {"input": {"name": "cancelled"}}, headers=headers)
    assert retried.status_code == 200, retried.text
    assert await count(api, "cancelled") == 1


async def test_a_body_cut_short_by_a_disconnect_is_not_run_or_stored(app, api: Api) -> None:  # type: ignore[no-untyped-def]
    reserved = key()
    body = json.dumps({"query": CREATE, "variables": {"input": {"name": "cut short"}}}).encode()
    messages = iter(
        [
            {"type": "http.request", "body": body[: len(body) // 2], "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return next(messages)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    headers = [
        (b"authorization", f"Bearer {api.api_key}".encode()),
        (b"content-type", b"application/json"),
        (b"idempotency-key", reserved.encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 1), "server": ("test", 80),
    }  # fmt: skip
    await app(scope, receive, send)
    assert not any(m.get("type") == "http.response.body" and m.get("body") for m in sent)

    # The retry with the whole body runs normally: no "key used with another body".
    retried = await api.client.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {api.api_key}",
            "Content-Type": "application/json",
            "Idempotency-Key": reserved,
        },
    )
    assert retried.status_code == 200, retried.text
    assert await count(api, "cut short") == 1
