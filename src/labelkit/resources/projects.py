from __future__ import annotations

from typing import Any

from .._generated.base_model import UNSET, UnsetType
from .._generated.enums import MediaType, QualityMode, QueueMode
from .._generated.fragments import ProjectFields
from .._generated.input_types import CreateProjectInput, ProjectFilter, UpdateProjectInput
from .._transport import new_idempotency_key
from ..pagination import AsyncPaginator
from ._base import changed_fields, coerce_enum
from ._project_workflow import ProjectWorkflow


def _consensus_fields(
    quality: QualityMode, number_of_labels: int | None, coverage_percentage: float | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if quality is QualityMode.BENCHMARK:
        if number_of_labels not in (None, 1) or coverage_percentage not in (None, 1.0):
            raise ValueError("number_of_labels and coverage_percentage apply to CONSENSUS projects")
        return fields
    if number_of_labels is not None:
        if not 2 <= number_of_labels <= 20:
            raise ValueError(f"number_of_labels must be between 2 and 20, got {number_of_labels}")
        fields["number_of_labels"] = number_of_labels
    if coverage_percentage is not None:
        if not 0 <= coverage_percentage <= 1:
            raise ValueError(
                f"coverage_percentage must be between 0 and 1, got {coverage_percentage}"
            )
        fields["coverage_percentage"] = float(coverage_percentage)
    return fields


class Projects(ProjectWorkflow):
    """`client.projects`: create, read, list, update and delete labeling projects; connect
    an ontology, and run their labeling workflow (see `ProjectWorkflow`)."""

    async def create(
        self,
        *,
        name: str,
        description: str | None = None,
        media_type: MediaType | str = MediaType.IMAGE,
        queue_mode: QueueMode | str = QueueMode.BATCH,
        quality_mode: QualityMode | str = QualityMode.BENCHMARK,
        number_of_labels: int | None = None,
        coverage_percentage: float | None = None,
        idempotency_key: str | None = None,
    ) -> ProjectFields:
        """Creates a project. Safe to retry: a retry replays the first creation.

        CONSENSUS projects take `number_of_labels` (2..20, default 3) and
        `coverage_percentage` (0..1, default 1.0); BENCHMARK projects label each row once.
        """
        quality = coerce_enum(QualityMode, quality_mode, "quality_mode")
        consensus = _consensus_fields(quality, number_of_labels, coverage_percentage)
        project_input = CreateProjectInput(
            name=name,
            description=description,
            media_type=coerce_enum(MediaType, media_type, "media_type"),
            queue_mode=coerce_enum(QueueMode, queue_mode, "queue_mode"),
            quality_mode=quality,
            **consensus,
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
        fields = changed_fields(name=name, description=description)
        return await self._call(
            self._api.update_project(
                id=id, input=UpdateProjectInput(**fields), idempotency_key=new_idempotency_key()
            )
        )

    async def delete(self, id: str) -> None:
        """Deletes the project; `NotFoundError` if it does not exist."""
        await self._call(self._api.delete_project(id=id, idempotency_key=new_idempotency_key()))
