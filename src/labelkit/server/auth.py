"""API keys: generation, hashing, cached lookup, and the middleware that requires one."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import ErrorCode, error_body
from .models import ApiKey
from .request_id import request_info, send_json

if TYPE_CHECKING:
    from .state import ServerState

__all__ = ["AuthMiddleware", "KeyCache", "Principal", "hash_key", "new_api_key"]

PUBLIC_PATHS = frozenset({"/healthz"})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the owner of the API key."""

    organization_id: str
    user_id: str


def new_api_key() -> str:
    return f"lk_{secrets.token_urlsafe(32)}"


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


class KeyCache:
    """Maps API keys to principals, remembering hits so most requests skip the database.

    Keys are never revoked through the API, so a cached hit cannot go stale. Misses are not
    cached: a client sending random keys must not be able to fill the memory.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_size: int = 4096) -> None:
        self._sessions = sessions
        self._max_size = max_size
        self._hits: dict[str, Principal] = {}

    async def lookup(self, api_key: str) -> Principal | None:
        digest = hash_key(api_key)
        principal = self._hits.get(digest)
        if principal is not None:
            return principal
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(ApiKey.organization_id, ApiKey.user_id).where(ApiKey.key_hash == digest)
                )
            ).one_or_none()
        if row is None:
            return None
        if len(self._hits) >= self._max_size:
            self._hits.clear()
        principal = self._hits[digest] = Principal(row.organization_id, row.user_id)
        return principal


def _bearer_token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if scheme.lower() == "bearer" and token else None
    return None


class AuthMiddleware:
    """Rejects requests without a valid `Authorization: Bearer <key>` with 401."""

    def __init__(self, app: ASGIApp, state: ServerState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        info = request_info(scope)
        await self.state.ensure_started()
        token = _bearer_token(scope)
        principal = await self.state.keys.lookup(token) if token else None
        if principal is None:
            message = (
                "Invalid API key"
                if token
                else "Missing API key: send 'Authorization: Bearer <key>'"
            )
            body = error_body(ErrorCode.UNAUTHENTICATED, message, info.request_id)
            await send_json(send, 401, body, [(b"www-authenticate", b"Bearer")])
            return
        info.principal = principal
        await self.app(scope, receive, send)
