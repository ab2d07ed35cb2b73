"""me, organization, users, User.organization."""

from __future__ import annotations

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import select

from ..errors import not_found
from ..models import Organization, User
from ..pagination import Connection, check_first, decode_cursor, keyset, make_connection
from .common import context, count_where, query

__all__ = ["bindables"]

user_type = ObjectType("User")


@query.field("me")
async def resolve_me(_: None, info: GraphQLResolveInfo) -> User:
    ctx = context(info)
    user = await ctx.user(ctx.principal.user_id)
    if user is None:
        raise not_found("User", ctx.principal.user_id)
    return user


@query.field("organization")
async def resolve_organization(_: None, info: GraphQLResolveInfo) -> Organization:
    return await _organization(info)


async def _organization(info: GraphQLResolveInfo) -> Organization:
    ctx = context(info)
    organization = await ctx.organization()
    if organization is None:
        raise not_found("Organization", ctx.organization_id)
    return organization


@query.field("users")
async def resolve_users(
    _: None, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "usr")
    in_org = User.organization_id == ctx.organization_id
    async with ctx.session() as session:
        users = (
            await session.scalars(keyset(select(User).where(in_org), User.id, limit, after_id))
        ).all()
    return make_connection(users, limit, lambda: count_where(ctx, User, in_org))


@user_type.field("organization")
async def resolve_user_organization(user: User, info: GraphQLResolveInfo) -> Organization:
    return await _organization(info)


bindables = [user_type]
