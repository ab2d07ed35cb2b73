"""Resource tags: created in the organization, set on projects."""

from __future__ import annotations

import re

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, ErrorCode, not_found, validation
from ..ids import new_id
from ..models import Project, ProjectResourceTag, ResourceTag, utcnow
from .common import context, find_in_organization, mutation, query, require_text

__all__ = ["MAX_TAGS_PER_PROJECT", "bindables"]

MAX_TAGS_PER_PROJECT = 100
_COLOR = re.compile(r"[0-9a-fA-F]{6}")

project_type = ObjectType("Project")


@query.field("resourceTags")
async def resolve_resource_tags(_: None, info: GraphQLResolveInfo) -> list[ResourceTag]:
    ctx = context(info)
    async with ctx.session() as session:
        return list(
            await session.scalars(
                select(ResourceTag)
                .where(ResourceTag.organization_id == ctx.organization_id)
                .order_by(ResourceTag.id)
            )
        )


@mutation.field("createResourceTag")
async def resolve_create_resource_tag(
    _: None, info: GraphQLResolveInfo, text: str, color: str
) -> ResourceTag:
    ctx = context(info)
    text = require_text(text, "text")
    if not _COLOR.fullmatch(color):
        raise validation(f"color must be six hex digits without '#', e.g. '008856'; got {color!r}")
    tag = ResourceTag(
        id=new_id("rtg"),
        organization_id=ctx.organization_id,
        text=text,
        color=color.lower(),
        created_at=utcnow(),
    )
    try:
        async with ctx.transaction() as session:
            session.add(tag)
    except IntegrityError:
        raise ApiError(ErrorCode.CONFLICT, f"A resource tag {text!r} already exists") from None
    return tag


async def _project_tags(info: GraphQLResolveInfo, project_id: str) -> list[ResourceTag]:
    async with context(info).session() as session:
        return list(
            await session.scalars(
                select(ResourceTag)
                .join(ProjectResourceTag, ProjectResourceTag.tag_id == ResourceTag.id)
                .where(ProjectResourceTag.project_id == project_id)
                .order_by(ResourceTag.id)
            )
        )


@mutation.field("setProjectResourceTags")
async def resolve_set_project_resource_tags(
    _: None, info: GraphQLResolveInfo, project_id: str, tag_ids: list[str]
) -> list[ResourceTag]:
    ctx = context(info)
    wanted = list(dict.fromkeys(tag_ids))
    if len(wanted) > MAX_TAGS_PER_PROJECT:
        raise validation(f"At most {MAX_TAGS_PER_PROJECT} tags per project, got {len(wanted)}")
    async with ctx.transaction() as session:
        await find_in_organization(session, ctx, Project, project_id)
        found = set(
            await session.scalars(
                select(ResourceTag.id).where(
                    ResourceTag.organization_id == ctx.organization_id, ResourceTag.id.in_(wanted)
                )
            )
        )
        missing = [tag_id for tag_id in wanted if tag_id not in found]
        if missing:
            raise not_found("ResourceTag", missing[0])
        await session.execute(
            delete(ProjectResourceTag).where(ProjectResourceTag.project_id == project_id)
        )
        session.add_all(ProjectResourceTag(project_id=project_id, tag_id=t) for t in wanted)
    return await _project_tags(info, project_id)


@project_type.field("resourceTags")
async def resolve_project_resource_tags(
    project: Project, info: GraphQLResolveInfo
) -> list[ResourceTag]:
    return await _project_tags(info, project.id)


bindables = [project_type]
