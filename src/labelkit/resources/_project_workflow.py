"""The workflow half of `client.projects`: ontology, instructions, queue, overrides, members
and tags of a project."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import anyio

from .._generated.base_model import UNSET, Upload
from .._generated.enums import UserRole
from .._generated.fragments import ProjectFields, ProjectMemberFields, ResourceTagFields
from .._generated.get_labeling_queue import GetLabelingQueueLabelingQueue
from .._generated.input_types import LabelingParameterOverrideInput
from .._generated.list_labeling_parameter_overrides import (
    ListLabelingParameterOverridesLabelingParameterOverridesEdgesNode as LabelingOverride,
)
from .._generated.list_task_queues import ListTaskQueuesTaskQueues
from .._transport import Verbatim, new_idempotency_key
from ..identifiers import GlobalKey, row_identifiers
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum

#: Overrides per call, as on the server.
MAX_OVERRIDES = 1000
#: Rows per move to a task queue.
MAX_MOVE_ROWS = 100_000
INT32 = (-(2**31), 2**31 - 1)
_INSTRUCTION_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html"}


def _priority(value: Any, argument: str = "priority") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int, got {type(value).__name__}")
    if not INT32[0] <= value <= INT32[1]:
        raise ValueError(f"{argument} must be a 32-bit integer, got {value}")
    return value


def _override(index: int, item: Any) -> LabelingParameterOverrideInput:
    if not isinstance(item, tuple | list) or len(item) != 2:
        raise TypeError(f"overrides[{index}] must be a (data row id or GlobalKey, priority) pair")
    row, priority = item
    priority = _priority(priority, f"overrides[{index}] priority")
    if isinstance(row, GlobalKey):
        return LabelingParameterOverrideInput(global_key=row.key, priority=priority)
    row_id = row if isinstance(row, str) else getattr(row, "id", None)
    if not isinstance(row_id, str) or not row_id:
        raise TypeError(f"overrides[{index}] must name a data row id, a data row or a GlobalKey")
    return LabelingParameterOverrideInput(data_row_id=row_id, priority=priority)


class ProjectWorkflow(Resource):
    async def connect_ontology(self, project_id: str, ontology_id: str) -> ProjectFields:
        """Sets the project's ontology; `ValidationError` when their media types differ."""
        return await self._call(
            self._api.connect_ontology(
                project_id=project_id,
                ontology_id=ontology_id,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def upload_instructions(
        self, project_id: str, file: str | Path | bytes | IO[bytes], *, filename: str | None = None
    ) -> str:
        """Uploads labeling instructions (a .pdf or .html file) for the project's ontology,
        shared by every project that uses it; returns their URL. Other file types are refused
        before anything is sent."""
        if isinstance(file, str | Path):
            filename = filename or Path(file).name
        filename = filename or getattr(file, "name", None)
        suffix = Path(str(filename or "")).suffix.lower()
        content_type = _INSTRUCTION_TYPES.get(suffix)
        if content_type is None:
            raise ValueError(f"instructions must be a .pdf or .html file, got {filename!r}")
        if isinstance(file, str | Path):
            content: IO[bytes] = io.BytesIO(await anyio.Path(file).read_bytes())
        elif isinstance(file, bytes):
            content = io.BytesIO(file)
        else:
            content = file
        upload = Upload(Path(str(filename)).name, content, content_type)  # type: ignore[arg-type]
        return await self._call(
            self._api.upload_project_instructions(
                project_id=project_id, file=upload, idempotency_key=new_idempotency_key()
            )
        )

    async def label_count(self, project_id: str) -> int:
        """Labels in the project, across every task queue."""
        return (await self._call(self._api.get_project_label_count(id=project_id))).label_count

    async def task_queues(self, project_id: str) -> list[ListTaskQueuesTaskQueues]:
        """The project's workflow steps: INITIAL_LABELING, MANUAL_REVIEW, MANUAL_REWORK, DONE."""
        return await self._call(self._api.list_task_queues(project_id=project_id))

    async def move_data_rows_to_task_queue(
        self,
        project_id: str,
        task_queue_id: str | None,
        *,
        data_rows: Iterable[Any] | None = None,
        global_keys: Iterable[str] | None = None,
    ) -> int:
        """Moves up to 100,000 rows of the project's active batches to a task queue (None:
        Done). Rows leave INITIAL_LABELING only once labeled. Returns how many moved."""
        kind, values = row_identifiers(data_rows, global_keys, MAX_MOVE_ROWS)
        return await self._call(
            self._api.move_data_rows_to_task_queue(
                project_id=project_id,
                data_row_ids=Verbatim(values) if kind == "data_rows" else UNSET,
                global_keys=Verbatim(values) if kind == "global_keys" else UNSET,
                task_queue_id=task_queue_id,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def set_labeling_overrides(self, project_id: str, overrides: Sequence[Any]) -> int:
        """Sets priority overrides: `[(data_row_id or GlobalKey(key), priority), ...]`, at
        most 1,000, all by id or all by key. A priority is a 32-bit int; lower is labeled
        first, and rows with an override come before rows without. The rows must be in an
        active batch of the project."""
        if len(overrides) > MAX_OVERRIDES:
            raise ValueError(f"at most {MAX_OVERRIDES} overrides per call, got {len(overrides)}")
        inputs = [_override(index, item) for index, item in enumerate(overrides)]
        if len({item.global_key is None for item in inputs}) > 1:
            raise ValueError("overrides must all use data row ids or all use GlobalKey")
        if not inputs:
            return 0
        return await self._call(
            self._api.set_labeling_parameter_overrides(
                project_id=project_id, overrides=inputs, idempotency_key=new_idempotency_key()
            )
        )

    async def update_labeling_priority(
        self,
        project_id: str,
        priority: int,
        *,
        data_rows: Iterable[Any] | None = None,
        global_keys: Iterable[str] | None = None,
    ) -> int:
        """Gives up to 1,000 rows the same override priority."""
        kind, values = row_identifiers(data_rows, global_keys, MAX_OVERRIDES)
        return await self._call(
            self._api.update_labeling_priority(
                project_id=project_id,
                priority=_priority(priority),
                data_row_ids=values if kind == "data_rows" else UNSET,
                global_keys=values if kind == "global_keys" else UNSET,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def unset_labeling_overrides(
        self,
        project_id: str,
        *,
        data_rows: Iterable[Any] | None = None,
        global_keys: Iterable[str] | None = None,
    ) -> int:
        """Removes the overrides of up to 1,000 rows; returns how many there were."""
        kind, values = row_identifiers(data_rows, global_keys, MAX_OVERRIDES)
        return await self._call(
            self._api.unset_labeling_parameter_overrides(
                project_id=project_id,
                data_row_ids=values if kind == "data_rows" else UNSET,
                global_keys=values if kind == "global_keys" else UNSET,
                idempotency_key=new_idempotency_key(),
            )
        )

    def list_labeling_overrides(
        self, project_id: str, *, page_size: int = 100
    ) -> AsyncPaginator[LabelingOverride]:
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_labeling_parameter_overrides(
                    project_id=project_id, first=first, after=after
                )
            ),
            page_size=page_size,
        )

    async def labeling_queue(
        self, project_id: str, *, first: int = 100
    ) -> list[GetLabelingQueueLabelingQueue]:
        """The next `first` (1..1000) rows the server hands out for labeling, in order."""
        if not 1 <= first <= 1000:
            raise ValueError(f"first must be between 1 and 1000, got {first}")
        return await self._call(self._api.get_labeling_queue(project_id=project_id, first=first))

    def members(
        self, project_id: str, *, page_size: int = 100
    ) -> AsyncPaginator[ProjectMemberFields]:
        """Everyone with access to the project and how (`access_from`)."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_project_members(project_id=project_id, first=first, after=after)
            ),
            page_size=page_size,
        )

    async def set_member_role(
        self, project_id: str, user_id: str, role: UserRole | str
    ) -> ProjectMemberFields:
        """Gives a user whose organization role is NONE a role in this project."""
        role = coerce_enum(UserRole, role, "role")
        if role is UserRole.NONE:
            raise ValueError("a project role can't be NONE; use remove_member()")
        return await self._call(
            self._api.set_project_member_role(
                project_id=project_id,
                user_id=user_id,
                role=role,
                idempotency_key=new_idempotency_key(),
            )
        )

    async def remove_member(self, project_id: str, user_id: str) -> None:
        """Removes a project-based user's role in the project."""
        await self._call(
            self._api.remove_project_member(
                project_id=project_id, user_id=user_id, idempotency_key=new_idempotency_key()
            )
        )

    async def set_resource_tags(
        self, project_id: str, tag_ids: Sequence[str]
    ) -> list[ResourceTagFields]:
        """Replaces the project's resource tags (at most 100) and returns them."""
        if isinstance(tag_ids, str):
            raise TypeError("tag_ids must be a list of ids, not a single string")
        return await self._call(
            self._api.set_project_resource_tags(
                project_id=project_id, tag_ids=list(tag_ids), idempotency_key=new_idempotency_key()
            )
        )

    async def resource_tags(self, project_id: str) -> list[ResourceTagFields]:
        return (await self._call(self._api.get_project_resource_tags(id=project_id))).resource_tags
