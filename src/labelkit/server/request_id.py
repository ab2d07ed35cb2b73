"""Per-request bookkeeping: the request id, the caller, and whether an internal error happened.

`RequestIdMiddleware` is the outermost middleware. It stores a `RequestInfo` in the ASGI scope
and in a context variable (the error formatter has no other way to reach it), adds
`X-Request-Id` to every response and turns unhandled exceptions into a JSON 500.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from .auth import Principal

__all__ = ["RequestIdMiddleware", "RequestInfo", "current_request", "request_info", "send_json"]

logger = logging.getLogger("labelkit.server")

SCOPE_KEY = "labelkit.request"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current: ContextVar[RequestInfo | None] = ContextVar("labelkit_request", default=None)


@dataclass(slots=True)
class RequestInfo:
    request_id: str
    principal: Principal | None = None
    # Set by the error formatter; a mutable flag because middlewares run in an outer context.
    internal_error: bool = False


def current_request() -> RequestInfo | None:
    return _current.get()


def request_info(scope: Scope) -> RequestInfo:
    info = scope.get(SCOPE_KEY)
    assert isinstance(info, RequestInfo), "RequestIdMiddleware must wrap the app"
    return info


def _request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = str(value.decode("latin-1"))
            if _SANE_REQUEST_ID.fullmatch(candidate):
                return candidate
            break
    return f"req_{uuid.uuid4().hex}"


async def send_json(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        info = RequestInfo(_request_id_from(scope))
        scope[SCOPE_KEY] = info
        token = _current.set(info)
        header = (b"x-request-id", info.request_id.encode())
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception("Unhandled error in request %s", info.request_id)
            if started or scope["type"] != "http":
                raise
            payload = {
                "errors": [
                    {
                        "message": "Internal server error",
                        "extensions": {"code": "INTERNAL", "requestId": info.request_id},
                    }
                ]
            }
            await send_json(send_with_id, 500, json.dumps(payload).encode())
        finally:
            _current.reset(token)
