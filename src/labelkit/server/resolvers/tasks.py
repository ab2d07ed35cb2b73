"""Tasks: the `task` query; tasks are written by the jobs that own them (e.g. imports)."""

from __future__ import annotations

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import select

from ..errors import not_found
from ..models import Task
from .common import context, query

__all__ = ["bindables"]

task_type = ObjectType("Task")


@task_type.field("errors")
def resolve_errors(task: Task, _info: GraphQLResolveInfo) -> list[str]:
    return task.errors or []


@task_type.field("failedDataRows")
def resolve_failed_data_rows(task: Task, _info: GraphQLResolveInfo) -> object:
    return task.failed_data_rows or []


@query.field("task")
async def resolve_task(_: None, info: GraphQLResolveInfo, id: str) -> Task:
    ctx = context(info)
    async with ctx.session() as session:
        task = await session.scalar(
            select(Task).where(Task.id == id, Task.organization_id == ctx.organization_id)
        )
    if task is None:
        raise not_found("Task", id)
    return task


bindables = [task_type]
