"""What every resolver module shares: the root types, the context, input checks, loaders."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from ariadne import MutationType, QueryType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, CursorResult, delete, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import Context
from ..errors import not_found, validation
from ..models import Base, Dataset, Project, User, utcnow

__all__ = [
    "MAX_NAME_LENGTH",
    "apply_changes",
    "context",
    "count_where",
    "delete_in_organization",
    "find_in_organization",
    "is_loaded",
    "mutation",
    "name_and_description",
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


def name_and_description(input: dict[str, Any]) -> dict[str, Any]:
    """The changes of an update input: omitted fields stay as they are, an explicit null
    description clears it, a name must not be blank."""
    changes: dict[str, Any] = {}
    if "name" in input:
        changes["name"] = require_text(input["name"], "name")
    if "description" in input:
        changes["description"] = input["description"]
    return changes


def apply_changes(target: Project | Dataset, changes: dict[str, Any]) -> None:
    for attribute, value in changes.items():
        setattr(target, attribute, value)
    if changes:
        target.updated_at = utcnow()


M = TypeVar("M", bound=Base)


async def find_in_organization(session: AsyncSession, ctx: Context, model: type[M], id: str) -> M:
    """The caller's organization's object with this id; NOT_FOUND otherwise, another
    organization's included."""
    columns: Any = model  # every model reached this way has `id` and `organization_id`
    found = await session.scalar(
        select(model).where(columns.id == id, columns.organization_id == ctx.organization_id)
    )
    if found is None:
        raise not_found(model.__name__, id)
    return found


async def delete_in_organization(
    ctx: Context, model: type[Project] | type[Dataset], id: str
) -> dict[str, int]:
    """Deletes one object of the caller's organization (what hangs off it cascades);
    NOT_FOUND when there is none, another organization's included."""
    async with ctx.transaction() as session:
        result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
            delete(model)
            .where(model.id == id, model.organization_id == ctx.organization_id)
            .execution_options(synchronize_session=False)
        )
    if result.rowcount == 0:
        raise not_found(model.__name__, id)
    return {"deleted_count": result.rowcount}
