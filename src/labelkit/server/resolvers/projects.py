"""Projects: project, projects, createProject, updateProject, deleteProject."""

from __future__ import annotations

from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload

from ..errors import not_found, validation
from ..ids import new_id
from ..models import Project, utcnow
from ..pagination import Connection, check_first, decode_cursor, keyset, make_connection
from .common import (
    apply_changes,
    context,
    count_where,
    delete_in_organization,
    mutation,
    name_and_description,
    query,
    require_text,
    resolve_created_by,
)

__all__ = ["bindables"]

project_type = ObjectType("Project")
project_type.set_field("createdBy", resolve_created_by)


def _select_projects(*conditions: ColumnElement[bool]) -> Select[Project]:
    return select(Project).options(joinedload(Project.created_by)).where(*conditions)


@query.field("project")
async def resolve_project(_: None, info: GraphQLResolveInfo, id: str) -> Project:
    ctx = context(info)
    async with ctx.session() as session:
        project = await session.scalar(
            _select_projects(Project.id == id, Project.organization_id == ctx.organization_id)
        )
    if project is None:
        raise not_found("Project", id)
    return project


@query.field("projects")
async def resolve_projects(
    _: None,
    info: GraphQLResolveInfo,
    first: int | None = None,
    after: str | None = None,
    filter: dict[str, Any] | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "prj")
    conditions = [Project.organization_id == ctx.organization_id]
    name_contains = (filter or {}).get("name_contains")
    if name_contains:
        conditions.append(func.lower(Project.name).contains(name_contains.lower(), autoescape=True))
    async with ctx.session() as session:
        statement = keyset(_select_projects(*conditions), Project.id, limit, after_id)
        projects = (await session.scalars(statement)).all()
    return make_connection(projects, limit, lambda: count_where(ctx, Project, *conditions))


MAX_CONSENSUS_LABELS = 20


def _quality_settings(input: dict[str, Any]) -> tuple[int, float]:
    """(number of labels, coverage): fixed at (1, 1.0) in BENCHMARK mode."""
    labels, coverage = input.get("number_of_labels"), input.get("coverage_percentage")
    if (input.get("quality_mode") or "BENCHMARK") == "BENCHMARK":
        if labels not in (None, 1) or coverage not in (None, 1.0):
            raise validation("numberOfLabels and coveragePercentage apply to CONSENSUS projects")
        return 1, 1.0
    labels = 3 if labels is None else labels
    coverage = 1.0 if coverage is None else coverage
    if not 2 <= labels <= MAX_CONSENSUS_LABELS:
        raise validation(
            f"numberOfLabels must be between 2 and {MAX_CONSENSUS_LABELS}, got {labels}"
        )
    if not 0.0 <= coverage <= 1.0:
        raise validation(f"coveragePercentage must be between 0 and 1, got {coverage}")
    return labels, coverage


@mutation.field("createProject")
async def resolve_create_project(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> Project:
    ctx = context(info)
    number_of_labels, coverage_percentage = _quality_settings(input)
    now = utcnow()
    project = Project(
        id=new_id("prj"),
        organization_id=ctx.organization_id,
        name=require_text(input.get("name"), "name"),
        description=input.get("description"),
        media_type=input.get("media_type") or "IMAGE",
        queue_mode=input.get("queue_mode") or "BATCH",
        quality_mode=input.get("quality_mode") or "BENCHMARK",
        number_of_labels=number_of_labels,
        coverage_percentage=coverage_percentage,
        created_at=now,
        updated_at=now,
        created_by_id=ctx.principal.user_id,
    )
    async with ctx.transaction() as session:
        session.add(project)
    return project


@mutation.field("updateProject")
async def resolve_update_project(
    _: None, info: GraphQLResolveInfo, id: str, input: dict[str, Any]
) -> Project:
    ctx = context(info)
    changes = name_and_description(input)
    async with ctx.transaction() as session:
        project = await session.scalar(
            _select_projects(Project.id == id, Project.organization_id == ctx.organization_id)
        )
        if project is None:
            raise not_found("Project", id)
        apply_changes(project, changes)
    return project


@mutation.field("deleteProject")
async def resolve_delete_project(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    return await delete_in_organization(context(info), Project, id)


bindables = [project_type]
