from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import httpx
import pytest

from labelkit.server.resolvers import uploads

from .conftest import Api

UPLOAD = "mutation($file: Upload!) { uploadFile(file: $file) }"


async def upload(
    api: Api, content: bytes, filename: str = "hello.txt", content_type: str = "text/plain"
) -> httpx.Response:
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    return await api.client.post(
        "/graphql",
        data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
        files={"0": (filename, content, content_type)},
        headers={"Authorization": f"Bearer {api.api_key}"},
    )


async def test_upload_round_trip(api: Api, new_api: Callable[[], Awaitable[Api]]) -> None:
    content = b"hello, labelkit\n" * 1000
    response = await upload(api, content)
    assert response.status_code == 200, response.text
    url = response.json()["data"]["uploadFile"]
    assert url.startswith("http://labelkit.test/files/fil_")
    path = httpx.URL(url).path

    fetched = await api.client.get(path, headers={"Authorization": f"Bearer {api.api_key}"})
    assert fetched.status_code == 200
    assert fetched.content == content
    assert fetched.headers["content-type"].startswith("text/plain")

    other = await new_api()
    hidden = await api.client.get(path, headers={"Authorization": f"Bearer {other.api_key}"})
    assert hidden.status_code == 404
    assert hidden.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert (await api.client.get(path)).status_code == 401


async def test_uploads_are_idempotent_across_multipart_boundaries(api: Api) -> None:
    operations = json.dumps({"query": UPLOAD, "variables": {"file": None}})
    responses = []
    for _ in range(2):  # httpx picks a new random boundary per request
        responses.append(
            await api.client.post(
                "/graphql",
                data={"operations": operations, "map": json.dumps({"0": ["variables.file"]})},
                files={"0": ("a.bin", b"\x00\x01payload", "application/octet-stream")},
                headers={"Authorization": f"Bearer {api.api_key}", "Idempotency-Key": "upload-1"},
            )
        )
    assert responses[1].headers["idempotent-replayed"] == "true"
    assert responses[0].json() == responses[1].json()


async def test_oversized_upload_is_validation(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    response = await upload(api, b"x" * 2048)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "VALIDATION"
