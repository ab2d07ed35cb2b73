"""Exactly-once mutations: requests that carry an `Idempotency-Key` header.

The first request with a key (per organization) runs and its response is stored; a retry with
the same key and the same body gets the stored response back, marked `Idempotent-Replayed`.
A retry that arrives while the first is still running in this process waits for it. The same
key with a different body is a CONFLICT. Responses with an INTERNAL error are not stored, so
a retry runs again. Records expire after 24 hours and are purged lazily.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ErrorCode, error_body
from .execution import MAX_MULTIPART_BYTES
from .models import IdempotencyKey, utcnow
from .request_id import RequestInfo, request_info, send_json

if TYPE_CHECKING:
    from .state import ServerState

__all__ = ["IdempotencyMiddleware"]

logger = logging.getLogger("labelkit.server")

KEY_TTL = timedelta(hours=24)
# A reservation older than this whose request never finished (a crashed process) is taken over.
ABANDONED_AFTER = timedelta(minutes=5)
PURGE_INTERVAL_SECONDS = 600.0

#: `extensions.reason` of the answer to a key whose first request is still running.
KEY_IN_USE = "IDEMPOTENCY_KEY_IN_USE"

_VALID_KEY = re.compile(r"[\x21-\x7e]{1,255}")
_BOUNDARY = re.compile(rb"boundary=\"?([^\";]+)\"?")
_REPLAYED = (b"idempotent-replayed", b"true")


class _ClientGone(Exception):
    """The connection closed before the whole request body arrived."""


class _Decision(Enum):
    RUN = "run"
    REPLAY = "replay"
    MISMATCH = "mismatch"
    IN_PROGRESS = "in_progress"


@dataclass(slots=True)
class _InFlight:
    request_hash: str
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class _Captured:
    start: Message | None = None
    body: list[bytes] = field(default_factory=list)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _request_hash(scope: Scope, body: bytes) -> str:
    """sha256 of the body; multipart boundaries are random per attempt, so they are left out."""
    content_type = (_header(scope, b"content-type") or "").encode("latin-1")
    if content_type.startswith(b"multipart/"):
        match = _BOUNDARY.search(content_type)
        if match:
            body = body.replace(match.group(1), b"")
    return hashlib.sha256(body).hexdigest()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, state: ServerState, path: str = "/graphql") -> None:
        self.app = app
        self.state = state
        self.path = path
        self._in_flight: dict[tuple[str, str], _InFlight] = {}
        self._next_purge = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        info = request_info(scope)
        assert info.principal is not None, "AuthMiddleware runs before this middleware"
        if not _VALID_KEY.fullmatch(key):
            await self._error(
                send,
                400,
                ErrorCode.VALIDATION,
                "Idempotency-Key must be 1-255 printable ASCII characters",
                info,
            )
            return
        try:
            body = await self._read_body(receive)
        except _ClientGone:
            return
        if body is None:
            await self._error(send, 413, ErrorCode.VALIDATION, "Request body too large", info)
            return
        request_hash = _request_hash(scope, body)
        slot = (info.principal.organization_id, key)

        # Registering happens with no await in between, so one request per slot runs at once.
        while (flight := self._in_flight.get(slot)) is not None:
            if flight.request_hash != request_hash:
                await self._mismatch(send, info)
                return
            await flight.done.wait()
        flight = self._in_flight[slot] = _InFlight(request_hash)
        try:
            await self._handle(scope, receive, body, request_hash, slot, info, send)
        finally:
            del self._in_flight[slot]
            flight.done.set()

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        body: bytes,
        request_hash: str,
        slot: tuple[str, str],
        info: RequestInfo,
        send: Send,
    ) -> None:
        await self._maybe_purge()
        decision, record = await self._reserve(slot, request_hash)
        if decision is _Decision.REPLAY:
            assert record is not None and record.status_code is not None
            await send_json(send, record.status_code, record.response_body or b"", [_REPLAYED])
            return
        if decision is _Decision.MISMATCH:
            await self._mismatch(send, info)
            return
        if decision is _Decision.IN_PROGRESS:
            # Retryable: the first request will finish (or be released), then this one replays.
            body = error_body(
                ErrorCode.CONFLICT,
                "A request with this Idempotency-Key is still in progress",
                info.request_id,
                reason=KEY_IN_USE,
            )
            await send_json(send, 409, body, [(b"retry-after", b"1")])
            return

        captured = _Captured()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.start = message
            elif message["type"] == "http.response.body":
                captured.body.append(message.get("body", b""))

        try:
            await self.app(scope, _replay_body(body, receive), capture)
        except BaseException:
            # Shielded: a cancelled request must not leave its key reserved.
            await asyncio.shield(self._release(slot))
            raise
        if captured.start is None:  # the client went away before any response
            await self._release(slot)
            return
        status = int(captured.start["status"])
        response_body = b"".join(captured.body)
        if status >= 500 or info.internal_error:
            await self._release(slot)  # a retry must run again, not replay a failure
        else:
            await self._complete(slot, status, response_body)
        await send(captured.start)
        await send({"type": "http.response.body", "body": response_body})

    async def _reserve(
        self, slot: tuple[str, str], request_hash: str
    ) -> tuple[_Decision, IdempotencyKey | None]:
        now = utcnow()
        try:
            # A new key, by far the most common case, costs one statement. Bulk imports send a
            # key with every chunk, so this bookkeeping is on their critical path.
            async with self.state.write_turn(), self.state.engine.begin() as connection:
                await connection.execute(
                    insert(IdempotencyKey).values(
                        organization_id=slot[0],
                        key=slot[1],
                        request_hash=request_hash,
                        created_at=now,
                    )
                )
            return _Decision.RUN, None
        except IntegrityError:
            pass  # the key is known: decide below
        try:
            async with self.state.write_turn(), self.state.sessions.begin() as session:
                record = await session.get(IdempotencyKey, slot)
                if record is not None and _as_utc(record.created_at) < now - KEY_TTL:
                    await session.delete(record)
                    await session.flush()
                    record = None
                if record is None:
                    session.add(
                        IdempotencyKey(
                            organization_id=slot[0],
                            key=slot[1],
                            request_hash=request_hash,
                            created_at=now,
                        )
                    )
                    return _Decision.RUN, None
                if record.request_hash != request_hash:
                    return _Decision.MISMATCH, record
                if record.status_code is not None:
                    return _Decision.REPLAY, record
                if _as_utc(record.created_at) > now - ABANDONED_AFTER:
                    return _Decision.IN_PROGRESS, record
                record.created_at = now
                return _Decision.RUN, None
        except IntegrityError:
            # Another server process reserved the key between our read and our insert.
            return _Decision.IN_PROGRESS, None

    async def _complete(self, slot: tuple[str, str], status: int, body: bytes) -> None:
        async with self.state.write_turn(), self.state.engine.begin() as connection:
            await connection.execute(
                update(IdempotencyKey)
                .where(IdempotencyKey.organization_id == slot[0], IdempotencyKey.key == slot[1])
                .values(status_code=status, response_body=body)
            )

    async def _release(self, slot: tuple[str, str]) -> None:
        try:
            async with self.state.write_turn(), self.state.sessions.begin() as session:
                await session.execute(
                    delete(IdempotencyKey).where(
                        IdempotencyKey.organization_id == slot[0], IdempotencyKey.key == slot[1]
                    )
                )
        except Exception:
            logger.exception("Could not release idempotency key %r", slot[1])

    async def _maybe_purge(self) -> None:
        if time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + PURGE_INTERVAL_SECONDS
        async with self.state.sessions.begin() as session:
            await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - KEY_TTL)
            )

    @staticmethod
    async def _read_body(receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                # The client went away mid-body: running (and storing the answer to) a
                # truncated request would make its retry a key reused with another body.
                raise _ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_MULTIPART_BYTES:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _error(
        send: Send, status: int, code: ErrorCode, message: str, info: RequestInfo
    ) -> None:
        await send_json(send, status, error_body(code, message, info.request_id))

    async def _mismatch(self, send: Send, info: RequestInfo) -> None:
        await self._error(
            send,
            409,
            ErrorCode.CONFLICT,
            "Idempotency-Key was already used with a different request body",
            info,
        )


def _replay_body(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the already-read body once, then defers to the real one."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
