from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._generated.base_model import UNSET
from .._generated.enums import ExportStatus, WorkflowStatus
from .._generated.fragments import ExportFields
from .._generated.input_types import (
    CreateExportInput,
    DateRangeInput,
    ExportFiltersInput,
    ExportParamsInput,
)
from .._transport import new_idempotency_key
from ..errors import ExportFailedError
from ..export_formats import FORMATS, CocoWriter, LabelStudioOptions, LabelStudioWriter
from ..pagination import AsyncPaginator
from ._base import Resource, poll

__all__ = ["ExportTask", "Exports", "parse_filters", "parse_params"]

PARAMS = (
    "attachments",
    "metadata_fields",
    "data_row_details",
    "project_details",
    "label_details",
    "performance_details",
    "predictions",
)
FILTERS = (
    "last_activity_at",
    "label_created_at",
    "workflow_status",
    "batch_ids",
    "data_row_ids",
    "global_keys",
)
#: Workflow statuses as the seeds write them.
WORKFLOW_NAMES = {
    "tolabel": WorkflowStatus.TO_LABEL,
    "inreview": WorkflowStatus.IN_REVIEW,
    "inrework": WorkflowStatus.IN_REWORK,
    "done": WorkflowStatus.DONE,
}


def parse_params(params: Mapping[str, bool] | None) -> ExportParamsInput | None:
    """Export params as the seeds name them (`{"label_details": True, ...}`)."""
    if params is None:
        return None
    unknown = set(params) - set(PARAMS)
    if unknown:
        raise ValueError(f"unknown export param(s) {sorted(unknown)}; expected {list(PARAMS)}")
    for name, value in params.items():
        if not isinstance(value, bool):
            raise ValueError(f"export param {name!r} must be True or False, got {value!r}")
    return ExportParamsInput(**params)


def _moment(value: str | datetime | None, where: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            # The seeds write "YYYY-MM-DD hh:mm:ss"; ISO 8601 works too. Naive means UTC.
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not a date-time") from None
    else:
        raise ValueError(f"{where} must be a date-time string or datetime, got {value!r}")
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _window(value: Any, name: str) -> DateRangeInput:
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        raise ValueError(f"filter {name!r} must be [start, end] (either may be None)")
    start, end = _moment(value[0], f"{name}[0]"), _moment(value[1], f"{name}[1]")
    if start is None and end is None:
        raise ValueError(f"filter {name!r} needs a start, an end or both")
    if start is not None and end is not None and start > end:
        raise ValueError(f"filter {name!r}: start {start} is after end {end}")
    return DateRangeInput(start=start, end=end)


def _strings(value: Any, name: str) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ValueError(f"filter {name!r} must be a non-empty list of strings")
    if not all(isinstance(item, str) for item in value):
        raise ValueError(f"filter {name!r} must hold strings only")
    return list(value)


def parse_filters(filters: Mapping[str, Any] | None) -> ExportFiltersInput | None:
    """Export filters as the seeds write them, e.g. `{"last_activity_at": ["2026-01-01
    00:00:00", None], "workflow_status": "ToLabel", "global_keys": [...]}` (AND)."""
    if filters is None:
        return None
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown export filter(s) {sorted(unknown)}; expected {list(FILTERS)}")
    fields: dict[str, Any] = {}
    for name in ("last_activity_at", "label_created_at"):
        if filters.get(name) is not None:
            fields[name] = _window(filters[name], name)
    status = filters.get("workflow_status")
    if status is not None:
        key = str(status.value if isinstance(status, WorkflowStatus) else status)
        found = WORKFLOW_NAMES.get(key.replace("_", "").lower())
        if found is None:
            raise ValueError(
                f"workflow_status must be ToLabel, InReview, InRework or Done; got {status!r}"
            )
        fields["workflow_status"] = found
    for name in ("batch_ids", "data_row_ids", "global_keys"):
        if filters.get(name) is not None:
            fields[name] = _strings(filters[name], name)
    return ExportFiltersInput(**fields)


_DONE = (ExportStatus.COMPLETED, ExportStatus.FAILED)


class ExportTask:
    """An export (`client.exports.create`): stream its rows, write them to a file, or, for a
    snapshot, wait for the server to finish writing it first."""

    def __init__(self, exports: Exports, info: ExportFields) -> None:
        self._exports = exports
        self.info = info

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def status(self) -> ExportStatus:
        return self.info.status

    @property
    def row_count(self) -> int | None:
        return self.info.row_count

    async def refresh(self) -> ExportTask:
        self.info = await self._exports.get_info(self.id)
        return self

    async def _refreshed(self) -> ExportTask:
        """Itself, refreshed unless it already finished (the first poll needs no request)."""
        return self if self.status in _DONE else await self.refresh()

    async def wait(self, *, timeout: float = 300.0, poll_interval: float = 0.2) -> ExportTask:
        """Polls until the export is COMPLETED. A FAILED one raises `ExportFailedError`;
        `TimeoutError` when it is still being written after `timeout` seconds."""
        await poll(
            self._refreshed,
            lambda export: export.status in _DONE,
            pending=lambda export: f"export {export.id} still {export.status.value}",
            timeout=timeout,
            poll_interval=poll_interval,
        )
        if self.status == ExportStatus.FAILED:
            reasons = "; ".join(self.info.errors) or "no reason given"
            raise ExportFailedError(f"export {self.id} failed: {reasons}")
        return self

    async def stream_lines(self) -> AsyncIterator[bytes]:
        """The NDJSON lines as they arrive (a broken connection resumes where it stopped)."""
        if self.info.snapshot:
            await self.wait()
        async for line in self._exports._api.stream_lines(
            self.info.stream_path, operation="ExportStream"
        ):
            yield line

    async def stream(self) -> AsyncIterator[dict[str, Any]]:
        """The rows as dicts, as they arrive; memory stays constant in the row count."""
        async for line in self.stream_lines():
            yield json.loads(line)

    async def to_file(
        self,
        path: str | Path,
        *,
        format: str = "ndjson",
        progress: bool | Callable[[int], object] = False,
        label_studio: LabelStudioOptions | None = None,
    ) -> int:
        """Writes the export to `path` and returns the number of rows.

        `format` is "ndjson" (labelkit rows, as streamed), "label_studio" (a JSON array of
        tasks with annotations and predictions) or "coco" (boxes and polygons). `progress`
        shows a progress bar (True, needs `rich`) or calls a function with the rows done.
        """
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
        if self.info.snapshot:
            await self.wait()
        target = Path(path)
        partial = target.with_name(target.name + ".partial")
        with _Progress(progress, self.row_count) as bar, partial.open("wb") as out:
            tick = bar.tick
            rows = 0
            if format == "ndjson":
                # Written in blocks of lines: per-line writes would cost more than the stream.
                block: list[bytes] = []
                async for line in self._exports._api.stream_lines(
                    self.info.stream_path, operation="ExportStream"
                ):
                    block.append(line)
                    if len(block) == 1000:
                        out.write(b"\n".join(block) + b"\n")
                        rows += 1000
                        tick(rows)
                        block.clear()
                if block:
                    out.write(b"\n".join(block) + b"\n")
                    rows += len(block)
            else:
                writer: LabelStudioWriter | CocoWriter = (
                    LabelStudioWriter(out, label_studio)
                    if format == "label_studio"
                    else CocoWriter(out)
                )
                async for row in self.stream():
                    writer.add(row)
                    rows += 1
                    tick(rows)
                writer.close()
            tick(rows, last=True)
        partial.replace(target)
        return rows

    async def delete(self) -> None:
        await self._exports.delete(self.id)

    def __repr__(self) -> str:
        return f"ExportTask(id={self.id!r}, status={self.status.value}, rows={self.row_count})"


class _Progress:
    """A rich progress bar, a callback, or nothing; updated at most every 1,000 rows."""

    def __init__(self, progress: bool | Callable[[int], object], total: int | None) -> None:
        self._callback = progress if callable(progress) else None
        self._show = progress is True
        self._total = total
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self._show:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("[bold]export[/]"), BarColumn(), MofNCompleteColumn(),
                TimeRemainingColumn(), console=Console(stderr=True),
            )  # fmt: skip
            self._bar.start()
            self._task = self._bar.add_task("rows", total=self._total)
        return self

    def tick(self, rows: int, *, last: bool = False) -> None:
        if rows % 1000 and not last:
            return
        if self._callback is not None:
            self._callback(rows)
        if self._bar is not None:
            self._bar.update(self._task, completed=rows)

    def __exit__(self, *_exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


class Exports(Resource):
    """`client.exports`: the rows of a project or a dataset, with labels, as NDJSON streams;
    snapshots are written once on the server and downloaded later."""

    async def create(
        self,
        *,
        project_id: str | None = None,
        dataset_id: str | None = None,
        params: Mapping[str, bool] | None = None,
        filters: Mapping[str, Any] | None = None,
        title: str | None = None,
        snapshot: bool = False,
    ) -> ExportTask:
        """An export of exactly one of a project and a dataset.

        `params` (as the seeds name them): attachments, metadata_fields, data_row_details,
        project_details, label_details, performance_details, predictions. `filters`:
        last_activity_at and label_created_at ([start, end]), workflow_status (ToLabel,
        InReview, InRework, Done), batch_ids, data_row_ids, global_keys; they combine with AND.
        """
        if (project_id is None) == (dataset_id is None):
            raise ValueError("give exactly one of project_id and dataset_id")
        info = await self._call(
            self._api.create_export(
                input=CreateExportInput(
                    project_id=project_id,
                    dataset_id=dataset_id,
                    title=title,
                    params=parse_params(params),
                    filters=parse_filters(filters),
                    snapshot=snapshot,
                ),
                idempotency_key=new_idempotency_key(),
            )
        )
        return ExportTask(self, info)

    async def create_snapshot(
        self,
        *,
        project_id: str | None = None,
        dataset_id: str | None = None,
        params: Mapping[str, bool] | None = None,
        filters: Mapping[str, Any] | None = None,
        title: str | None = None,
    ) -> ExportTask:
        """A snapshot: written by the server in the background (CREATED, IN_PROGRESS, then
        COMPLETED or FAILED); `await snapshot.wait()`, then download it with `to_file`."""
        return await self.create(
            project_id=project_id, dataset_id=dataset_id, params=params, filters=filters,
            title=title, snapshot=True,
        )  # fmt: skip

    async def get_info(self, id: str) -> ExportFields:
        return await self._call(self._api.get_export(id=id))

    async def get(self, id: str) -> ExportTask:
        return ExportTask(self, await self.get_info(id))

    def list(
        self,
        *,
        project_id: str | None = None,
        dataset_id: str | None = None,
        snapshots_only: bool = False,
        page_size: int = 100,
    ) -> AsyncPaginator[ExportFields]:
        """Exports of a project, of a dataset, or (neither given) of the organization."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_exports(
                    project_id=project_id if project_id is not None else UNSET,
                    dataset_id=dataset_id if dataset_id is not None else UNSET,
                    snapshots_only=snapshots_only,
                    first=first,
                    after=after,
                )
            ),
            page_size=page_size,
        )

    async def delete(self, id: str) -> None:
        """Deletes the export (a snapshot's file too)."""
        await self._call(self._api.delete_export(id=id, idempotency_key=new_idempotency_key()))
