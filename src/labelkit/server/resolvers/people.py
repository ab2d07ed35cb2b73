"""Roles, organization roles, invites and project members."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ..context import Context
from ..errors import ApiError, ErrorCode, not_found, validation
from ..ids import new_id
from ..models import Invite, Project, ProjectMembership, User, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from .common import context, count_where, mutation, query

__all__ = ["bindables"]

ROLES = {
    "ADMIN": "Manages the organization, its members and every project",
    "TEAM_MANAGER": "Manages projects and their members",
    "REVIEWER": "Reviews and labels in every project",
    "LABELER": "Labels in every project",
    "NONE": "No organization-wide access: project roles only",
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")

invite_type = ObjectType("Invite")
connections = [ObjectType("InviteConnection"), ObjectType("ProjectMemberConnection")]
for _connection in connections:
    _connection.set_field("totalCount", resolve_total_count)


@dataclass(slots=True)
class MemberView:
    id: str  # the user id: the connection's cursor
    user: User
    role: str
    access_from: str


def _member(user: User, project_role: str | None) -> MemberView:
    if user.role != "NONE":
        return MemberView(user.id, user, user.role, "ORGANIZATION")
    assert project_role is not None
    return MemberView(user.id, user, project_role, "PROJECT_MEMBERSHIP")


async def _user(session: AsyncSession, ctx: Context, user_id: str) -> User:
    user = await session.scalar(
        select(User).where(User.id == user_id, User.organization_id == ctx.organization_id)
    )
    if user is None:
        raise not_found("User", user_id)
    return user


async def _check_project(session: AsyncSession, ctx: Context, project_id: str) -> None:
    found = await session.scalar(
        select(Project.id).where(
            Project.id == project_id, Project.organization_id == ctx.organization_id
        )
    )
    if found is None:
        raise not_found("Project", project_id)


@query.field("roles")
def resolve_roles(_: None, _info: GraphQLResolveInfo) -> list[dict[str, str]]:
    return [{"name": name, "description": text} for name, text in ROLES.items()]


@mutation.field("setOrganizationRole")
async def resolve_set_organization_role(
    _: None, info: GraphQLResolveInfo, user_id: str, role: str
) -> User:
    ctx = context(info)
    if user_id == ctx.principal.user_id:
        raise validation("You can't change your own organization role")
    async with ctx.transaction() as session:
        user = await _user(session, ctx, user_id)
        # Project roles stay: they apply again if the user goes back to role NONE.
        user.role = role
    return user


@query.field("invites")
async def resolve_invites(
    _: None, info: GraphQLResolveInfo, first: int | None = None, after: str | None = None
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "inv")
    in_org = Invite.organization_id == ctx.organization_id
    async with ctx.session() as session:
        invites = (
            await session.scalars(keyset(select(Invite).where(in_org), Invite.id, limit, after_id))
        ).all()
    return make_connection(invites, limit, lambda: count_where(ctx, Invite, in_org))


@mutation.field("createInvite")
async def resolve_create_invite(
    _: None,
    info: GraphQLResolveInfo,
    email: str,
    role: str,
    project_roles: list[dict[str, Any]] | None = None,
) -> Invite:
    ctx = context(info)
    email = email.strip()
    if len(email) > 255 or not _EMAIL.fullmatch(email):
        raise validation(f"Not an email address: {email[:100]!r}")
    project_roles = project_roles or []
    if role == "NONE" and not project_roles:
        raise validation("An invite with organization role NONE needs projectRoles")
    if role != "NONE" and project_roles:
        raise validation("projectRoles apply only to invites with organization role NONE")
    if any(item["role"] == "NONE" for item in project_roles):
        raise validation("A project role can't be NONE")
    async with ctx.transaction() as session:
        me = await _user(session, ctx, ctx.principal.user_id)
        if me.email.lower() == email.lower():
            raise validation("You can't invite yourself")
        member = await session.scalar(
            select(User.id).where(
                User.organization_id == ctx.organization_id, func.lower(User.email) == email.lower()
            )
        )
        if member is not None:
            raise ApiError(ErrorCode.CONFLICT, f"{email} is already a member of the organization")
        for item in project_roles:
            await _check_project(session, ctx, item["project_id"])
        invite = Invite(
            id=new_id("inv"),
            organization_id=ctx.organization_id,
            email=email,
            role=role,
            project_roles=[
                {"project_id": i["project_id"], "role": i["role"]} for i in project_roles
            ],
            created_at=utcnow(),
            invited_by_id=ctx.principal.user_id,
        )
        session.add(invite)
    return invite


@mutation.field("cancelInvite")
async def resolve_cancel_invite(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        deleted = list(
            await session.scalars(
                delete(Invite)
                .where(Invite.id == id, Invite.organization_id == ctx.organization_id)
                .returning(Invite.id)
            )
        )
    if not deleted:
        raise not_found("Invite", id)
    return {"deleted_count": 1}


@invite_type.field("invitedBy")
async def resolve_invited_by(invite: Invite, info: GraphQLResolveInfo) -> User:
    user = await context(info).user(invite.invited_by_id)
    if user is None:
        raise not_found("User", invite.invited_by_id)
    return user


@query.field("projectMembers")
async def resolve_project_members(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "usr")
    membership = and_(
        ProjectMembership.user_id == User.id, ProjectMembership.project_id == project_id
    )
    conditions = [
        User.organization_id == ctx.organization_id,
        or_(User.role != "NONE", ProjectMembership.user_id.is_not(None)),
    ]
    statement = (
        select(User, ProjectMembership.role)
        .outerjoin(ProjectMembership, membership)
        .where(*conditions)
        .order_by(User.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        statement = statement.where(User.id > after_id)
    async with ctx.session() as session:
        await _check_project(session, ctx, project_id)
        rows = (await session.execute(statement)).all()

    async def count() -> int:
        async with ctx.session() as session:
            total = await session.scalar(
                select(func.count())
                .select_from(User)
                .outerjoin(ProjectMembership, membership)
                .where(*conditions)
            )
        return int(total or 0)

    return make_connection([_member(user, role) for user, role in rows], limit, count)


@mutation.field("setProjectMemberRole")
async def resolve_set_project_member_role(
    _: None, info: GraphQLResolveInfo, project_id: str, user_id: str, role: str
) -> MemberView:
    ctx = context(info)
    if role == "NONE":
        raise validation("A project role can't be NONE; use removeProjectMember")
    async with ctx.transaction() as session:
        await _check_project(session, ctx, project_id)
        user = await _user(session, ctx, user_id)
        if user.role != "NONE":
            raise validation(
                f"User {user_id!r} has organization role {user.role}, which applies to every "
                "project; project roles are for users whose organization role is NONE"
            )
        membership = await session.get(ProjectMembership, (project_id, user_id))
        if membership is None:
            session.add(
                ProjectMembership(
                    project_id=project_id, user_id=user_id, role=role, created_at=utcnow()
                )
            )
        else:
            membership.role = role
    return _member(user, role)


@mutation.field("removeProjectMember")
async def resolve_remove_project_member(
    _: None, info: GraphQLResolveInfo, project_id: str, user_id: str
) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        await _check_project(session, ctx, project_id)
        user = await _user(session, ctx, user_id)
        if user.role != "NONE":
            raise validation(
                f"User {user_id!r} has access through organization role {user.role}; "
                "only project-based users (role NONE) can be removed from a project"
            )
        membership = await session.get(ProjectMembership, (project_id, user_id))
        if membership is None:
            raise ApiError(
                ErrorCode.NOT_FOUND, f"User {user_id!r} has no role in project {project_id!r}"
            )
        await session.delete(membership)
    return {"deleted_count": 1}


bindables = [invite_type, *connections]
