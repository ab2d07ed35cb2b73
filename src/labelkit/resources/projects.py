from __future__ import annotations

from .._generated.base_model import UNSET, UnsetType
from .._generated.enums import MediaType, QualityMode, QueueMode
from .._generated.fragments import ProjectFields
from .._generated.input_types import CreateProjectInput, ProjectFilter, UpdateProjectInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum


class Projects(Resource):
    """`client.projects`: create, read, list, update and delete labeling projects."""

    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        media_type: MediaType | str = MediaType.IMAGE,
        queue_mode: QueueMode | str = QueueMode.BATCH,
        quality_mode: QualityMode | str = QualityMode.BENCHMARK,
        idempotency_key: str | None = None,
    ) -> ProjectFields:
        """Creates a project. Safe to retry: a retry replays the first creation."""
        project_input = CreateProjectInput(
            name=name,
            description=description,
            media_type=coerce_enum(MediaType, media_type, "media_type"),
            queue_mode=coerce_enum(QueueMode, queue_mode, "queue_mode"),
            quality_mode=coerce_enum(QualityMode, quality_mode, "quality_mode"),
        )
        return await self._call(
            self._api.create_project(
                input=project_input, idempotency_key=idempotency_key or new_idempotency_key()
            )
        )

    async def get(self, id: str) -> ProjectFields:
        """The project; `NotFoundError` if it does not exist in this organization."""
        return await self._call(self._api.get_project(id=id))

    def list(
        self, *, name_contains: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[ProjectFields]:
        """Every project, oldest first; `name_contains` matches case-insensitively."""
        filter_ = ProjectFilter(name_contains=name_contains) if name_contains is not None else UNSET
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_projects(first=first, after=after, filter_=filter_)
            ),
            page_size=page_size,
        )

    async def update(
        self,
        id: str,
        *,
        name: str | UnsetType = UNSET,
        description: str | None | UnsetType = UNSET,
    ) -> ProjectFields:
        """Changes the given fields only. Media type, queue mode and quality mode are fixed at creation."""
        fields = {
            k: v for k, v in {"name": name, "description": description}.items() if v is not UNSET
        }
        if not fields:
            raise ValueError("update() needs at least one field to change")
        return await self._call(
            self._api.update_project(
                id=id, input=UpdateProjectInput(**fields), idempotency_key=new_idempotency_key()
            )
        )

    async def delete(self, id: str) -> None:
        """Deletes the project; `NotFoundError` if it does not exist."""
        await self._call(self._api.delete_project(id=id, idempotency_key=new_idempotency_key()))
