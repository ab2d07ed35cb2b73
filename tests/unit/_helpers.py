"""Response builders shared by the unit tests."""

from __future__ import annotations

import email
from typing import Any

import httpx

URL = "http://labelkit.test/graphql"
API_KEY = "lk_unit_test_key"


def ok(data: dict[str, Any], **kwargs: Any) -> httpx.Response:
    """A successful GraphQL response."""
    return httpx.Response(200, json={"data": data}, **kwargs)


def gql_error(
    code: str | None = None,
    message: str = "boom",
    *,
    status: int = 200,
    data: Any = None,
    extensions: dict[str, Any] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """A response carrying one GraphQL error with `extensions.code`."""
    ext = {"code": code} if code is not None else {}
    ext.update(extensions or {})
    error: dict[str, Any] = {"message": message, "extensions": ext}
    return httpx.Response(status, json={"data": data, "errors": [error]}, **kwargs)


def project_node(**overrides: Any) -> dict[str, Any]:
    """A `Project` as the server returns it (camelCase, every field of ProjectFields)."""
    node = {
        "id": "prj_1",
        "name": "cats",
        "description": None,
        "mediaType": "IMAGE",
        "queueMode": "BATCH",
        "qualityMode": "BENCHMARK",
        "createdAt": "2024-05-01T12:00:00Z",
        "updatedAt": "2024-05-01T12:00:00Z",
        "lastActivityTime": None,
        "createdBy": {"id": "usr_1", "email": "ada@example.com", "name": "Ada"},
        "numberOfLabels": 1,
        "coveragePercentage": 1.0,
        "ontologyId": None,
    }
    node.update(overrides)
    return node


def multipart(request: httpx.Request) -> dict[str, Any]:
    """The parts of a multipart request by field name: (filename, content type, bytes)."""
    request.read()
    message = email.message_from_bytes(
        b"Content-Type: " + request.headers["Content-Type"].encode() + b"\r\n\r\n" + request.content
    )
    parts = {}
    for part in message.get_payload():
        name = part.get_param("name", header="content-disposition")
        parts[name] = (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
    return parts
