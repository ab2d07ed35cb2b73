"""What every resolver module shares: the root types, the context, input checks, loaders."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import Context
from ..errors import not_found, validation
from ..models import Base, Dataset, Project, User

__all__ = [
    "MAX_NAME_LENGTH",
    "context",
    "count_where",
    "is_loaded",
    "mutation",
    "query",
    "require_text",
    "resolve_created_by",
]

MAX_NAME_LENGTH = 255

query = QueryType()
mutation = MutationType()


def context(info: GraphQLResolveInfo) -> Context:
    ctx = info.context
    assert isinstance(ctx, Context)
    return ctx


def require_text(value: Any, field: str, *, max_length: int | None = MAX_NAME_LENGTH) -> str:
    """A required string input that may not be empty or blank."""
    if not isinstance(value, str) or not value.strip():
        raise validation(f"{field} must not be empty")
    if max_length is not None and len(value) > max_length:
        raise validation(f"{field} must be at most {max_length} characters, got {len(value)}")
    return value


def is_loaded(obj: Base, attribute: str) -> bool:
    return attribute in inspect(obj).dict


async def count_where(ctx: Context, model: type[Base], *conditions: ColumnElement[bool]) -> int:
    async with ctx.session() as session:
        return await _count(session, model, *conditions)


async def _count(session: AsyncSession, model: type[Base], *conditions: ColumnElement[bool]) -> int:
    count = await session.scalar(select(func.count()).select_from(model).where(*conditions))
    return int(count or 0)


def resolve_created_by(obj: Project | Dataset, info: GraphQLResolveInfo) -> User | Awaitable[User]:
    # Not a coroutine function: on a page where the creator was joined in, answering
    # synchronously spares graphql-core a task per node.
    if is_loaded(obj, "created_by"):
        return obj.created_by
    return _load_user(context(info), obj.created_by_id)


async def _load_user(ctx: Context, user_id: str) -> User:
    user = await ctx.user(user_id)
    if user is None:
        raise not_found("User", user_id)
    return user
