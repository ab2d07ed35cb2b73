"""The GraphQL context: who is calling, how to open a session, and per-request memos."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from .auth import Principal
from .metadata import (
    RESERVED_FIELDS,
    RESERVED_RULES,
    MetadataRules,
    custom_fields,
    needs_custom_fields,
)
from .models import Dataset, Organization, User
from .request_id import request_info
from .state import ServerState

__all__ = ["Context", "make_context"]

T = TypeVar("T")


@dataclass(slots=True)
class Context:
    state: ServerState
    principal: Principal
    request: Request
    _memo: dict[tuple[str, str], asyncio.Future[Any]] = field(default_factory=dict)

    @property
    def organization_id(self) -> str:
        return self.principal.organization_id

    def session(self) -> AsyncSession:
        """A new session for one resolver: graphql-core runs sibling fields concurrently."""
        return self.state.sessions()

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A new session in a transaction that commits on exit and rolls back on error."""
        return self.state.sessions.begin()

    async def _memoized(self, key: tuple[str, str], fetch: Callable[[], Awaitable[T]]) -> T:
        """Loads each object once per request, however many resolvers ask for it."""
        future = self._memo.get(key)
        if future is None:
            future = self._memo[key] = asyncio.ensure_future(fetch())
        result: T = await future
        return result

    async def _first(self, statement: Select[T]) -> T | None:
        async with self.session() as session:
            result: T | None = await session.scalar(statement)
        return result

    async def user(self, user_id: str) -> User | None:
        statement = select(User).where(
            User.id == user_id, User.organization_id == self.organization_id
        )
        return await self._memoized(("user", user_id), lambda: self._first(statement))

    async def dataset(self, dataset_id: str) -> Dataset | None:
        statement = select(Dataset).where(
            Dataset.id == dataset_id, Dataset.organization_id == self.organization_id
        )
        return await self._memoized(("dataset", dataset_id), lambda: self._first(statement))

    async def organization(self) -> Organization | None:
        statement = select(Organization).where(Organization.id == self.organization_id)
        return await self._memoized(
            ("organization", self.organization_id), lambda: self._first(statement)
        )

    async def metadata_rules(self, metadata_values: Iterable[Any]) -> MetadataRules:
        """The checks for these metadata objects; the schema is read at most once a request,
        and not at all when only reserved fields are used."""
        if not needs_custom_fields(metadata_values):
            return RESERVED_RULES
        return await self._memoized(("metadata_rules", self.organization_id), self._load_rules)

    async def _load_rules(self) -> MetadataRules:
        async with self.state.engine.connect() as connection:
            fields = await custom_fields(connection, self.organization_id)
        return MetadataRules((*RESERVED_FIELDS, *fields))


def make_context(state: ServerState) -> Callable[[Request, Any], Context]:
    def context_for(request: Request, _data: Any) -> Context:
        principal = request_info(request.scope).principal
        assert principal is not None, "AuthMiddleware runs before GraphQL"
        return Context(state, principal, request)

    return context_for
