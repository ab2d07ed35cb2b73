from __future__ import annotations

import json
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Callable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from .._generated.enums import LabelImportKind, LabelImportState
from .._generated.fragments import AnnotationStatusFields, LabelImportFields
from .._transport import Verbatim, new_idempotency_key
from ..annotations import OntologyIndex, validate_import_row
from ..bulk import BulkProgress, BulkReport, Checkpoint, ChunkOutcome, run_chunks
from ..export_formats import LabelStudioOptions, from_label_studio_results
from ..pagination import AsyncPaginator
from ._base import Resource, coerce_enum, poll
from ._chunks import task_outcome
from ._project_ontology import ProjectOntologies

__all__ = ["AnnotationImport", "Imports", "LabelStudioImport", "read_ndjson"]

#: Annotations per `importAnnotations` request (one chunk).
MAX_CHUNK = 10_000

Source = Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]] | str | Path


def read_ndjson(path: str | Path) -> Iterator[dict[str, Any]]:
    """The objects of an NDJSON file, one per non-blank line, read lazily; a line that is not
    a JSON object raises `ValueError` naming it."""
    with Path(path).open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as error:
                raise ValueError(f"{path}, line {number}: invalid JSON: {error}") from None
            if not isinstance(item, dict):
                raise ValueError(f"{path}, line {number}: expected a JSON object")
            yield item


class AnnotationImport:
    """An import of annotations into a project (`client.imports.create`).

    `state` is RUNNING, FINISHED or FAILED; `await imp.wait()` polls until it is not RUNNING.
    `imp.statuses` and `imp.errors` page through the outcome of every annotation (an
    `AsyncPaginator`: `async for status in imp.errors: ...`). `report` is the bulk engine's
    report when this process ran the upload.
    """

    def __init__(
        self, imports: Imports, info: LabelImportFields, report: BulkReport | None = None
    ) -> None:
        self._imports = imports
        self.info = info
        self.report = report

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def state(self) -> LabelImportState:
        return self.info.state

    @property
    def statuses(self) -> AsyncPaginator[AnnotationStatusFields]:
        """`{index, uuid, data_row_id, global_key, name, status, errors}` per annotation."""
        return self._imports.statuses(self.id)

    @property
    def errors(self) -> AsyncPaginator[AnnotationStatusFields]:
        """The annotations that failed, with their reasons."""
        return self._imports.statuses(self.id, only_errors=True)

    async def refresh(self) -> AnnotationImport:
        self.info = await self._imports.get_info(self.id)
        return self

    async def _refreshed(self) -> AnnotationImport:
        """Itself, refreshed unless it already finished (the first poll needs no request)."""
        return self if self.state != LabelImportState.RUNNING else await self.refresh()

    async def wait(self, *, timeout: float = 300.0, poll_interval: float = 0.5) -> AnnotationImport:
        """Polls until FINISHED or FAILED; `TimeoutError` after `timeout` seconds."""
        return await poll(
            self._refreshed,
            lambda imp: imp.state != LabelImportState.RUNNING,
            pending=lambda imp: f"import {imp.id} still {imp.state.value}",
            timeout=timeout,
            poll_interval=poll_interval,
        )

    async def delete(self) -> None:
        """Deletes the import together with the pre-labels (or labels) it wrote."""
        await self._imports.delete(self.id)

    def __repr__(self) -> str:
        return (
            f"AnnotationImport(id={self.id!r}, state={self.state.value}, "
            f"succeeded={self.info.success_count}, failed={self.info.failure_count})"
        )


@dataclass(frozen=True, slots=True)
class LabelStudioImport:
    """What `Imports.from_label_studio` did."""

    data_rows: BulkReport
    imports: list[AnnotationImport]
    predictions: BulkReport


class Imports(Resource):
    """`client.imports`: pre-labels from a model and ground-truth labels, imported in bulk."""

    def __init__(self, api: Any, ontologies: ProjectOntologies | None = None) -> None:
        super().__init__(api)
        self._ontologies = ontologies or ProjectOntologies(api)

    async def create(
        self,
        project_id: str,
        name: str,
        source: Source,
        kind: LabelImportKind | str = LabelImportKind.PRELABEL,
        *,
        chunk_size: int = 1000,
        concurrency: int = 4,
        checkpoint: str | Path | None = None,
        progress: Callable[[BulkProgress], object] | None = None,
        validate: bool = True,
    ) -> AnnotationImport:
        """Imports annotations (`kind` "prelabel" or "ground_truth") and returns the import.

        `source` is a list of annotation dicts (each with `data_row: {id} | {global_key}`),
        an NDJSON file path, or a (sync or async) iterator of them. Annotations of one data
        row make one pre-label (a prediction) or one label. They travel in chunks through the
        same engine as `data_rows.create_many` (constant memory, idempotent retries,
        `checkpoint` to resume after a crash); per-annotation outcomes are in
        `imp.statuses` / `imp.errors`.

        With `validate`, rows are checked against the project's ontology first: a list or a
        file is checked whole before anything is sent, an iterator as it is read. The first
        invalid row raises `AnnotationValidationError` (row index and annotation name).
        """
        if not 1 <= chunk_size <= MAX_CHUNK:
            raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK}, got {chunk_size}")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name must be a non-empty string")
        import_kind = coerce_enum(LabelImportKind, kind, "kind")
        ontology = await self._ontologies.get(project_id) if validate else None
        if ontology is not None and not isinstance(source, AsyncIterable | Iterator):
            # Re-iterable sources are checked whole before the import exists.
            for index, row in enumerate(_rows(source)):
                validate_import_row(ontology, row, row=index)
            ontology_on_the_fly = None
        else:
            ontology_on_the_fly = ontology
        run = {
            "project_id": project_id,
            "name": name,
            "kind": import_kind.value,
            "chunk_size": chunk_size,
        }
        journal = Checkpoint(checkpoint, run) if checkpoint is not None else None
        try:
            return await self._run(
                project_id, name, source, import_kind, chunk_size, concurrency, journal,
                progress, ontology_on_the_fly,
            )  # fmt: skip
        finally:
            if journal is not None:
                journal.close()

    async def _run(
        self,
        project_id: str,
        name: str,
        source: Source,
        kind: LabelImportKind,
        chunk_size: int,
        concurrency: int,
        journal: Checkpoint | None,
        progress: Callable[[BulkProgress], object] | None,
        ontology: OntologyIndex | None,
    ) -> AnnotationImport:
        # With a checkpoint a rerun replays this create and gets the same import back.
        create_key = f"{journal.run_id}-create" if journal is not None else new_idempotency_key()
        info = await self._call(
            self._api.create_label_import(
                project_id=project_id, name=name, kind=kind, idempotency_key=create_key
            )
        )
        import_id = info.id

        async def rows() -> AsyncIterator[Mapping[str, Any]]:
            index = 0
            async for row in _arows(source):
                if ontology is not None:
                    validate_import_row(ontology, row, row=index)
                yield row
                index += 1

        async def send(index: int, chunk: list[Mapping[str, Any]], key: str) -> ChunkOutcome:
            offset = index * chunk_size
            task = await self._call(
                self._api.import_annotations(
                    import_id=import_id, rows=Verbatim(chunk), offset=offset, idempotency_key=key
                )
            )
            return task_outcome(task, index, len(chunk), offset)

        try:
            outcomes = await run_chunks(
                rows(),
                send,
                chunk_size=chunk_size,
                concurrency=concurrency,
                checkpoint=journal,
                progress=progress,
            )
        except BaseException as error:
            if journal is None:
                # Without a checkpoint nothing can resume it: record why it stopped.
                with anyio.CancelScope(shield=True):
                    await self._call(
                        self._api.finish_label_import(
                            id=import_id,
                            error=f"{type(error).__name__}: {error}"[:2000],
                            idempotency_key=new_idempotency_key(),
                        )
                    )
            raise
        finished = await self._call(
            self._api.finish_label_import(id=import_id, idempotency_key=f"{create_key}-finish")
        )
        return AnnotationImport(self, finished, BulkReport.from_outcomes(outcomes))

    async def get_info(self, id: str) -> LabelImportFields:
        return await self._call(self._api.get_label_import(id=id))

    async def get(self, id: str) -> AnnotationImport:
        return AnnotationImport(self, await self.get_info(id))

    def list(self, project_id: str, *, page_size: int = 100) -> AsyncPaginator[LabelImportFields]:
        """The project's imports, oldest first."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_label_imports(project_id=project_id, first=first, after=after)
            ),
            page_size=page_size,
        )

    def statuses(
        self, import_id: str, *, only_errors: bool = False, page_size: int = 1000
    ) -> AsyncPaginator[AnnotationStatusFields]:
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_annotation_statuses(
                    import_id=import_id, only_errors=only_errors, first=first, after=after
                )
            ),
            page_size=page_size,
        )

    async def delete(self, id: str) -> None:
        """Deletes the import together with the pre-labels (or labels) it wrote."""
        await self._call(
            self._api.delete_label_import(id=id, idempotency_key=new_idempotency_key())
        )

    async def from_label_studio(
        self,
        project_id: str,
        dataset_id: str,
        tasks: str | Path | Sequence[Mapping[str, Any]],
        *,
        name: str = "label-studio",
        options: LabelStudioOptions | None = None,
    ) -> LabelStudioImport:
        """Imports Label Studio JSON (a file or a list of tasks) into a project.

        Each task becomes a data row of `dataset_id` (`row_data` from `task["data"]`,
        external id = task id, global key `<dataset_id>-<task id>`) in a batch of the project;
        the k-th annotation of every task goes into ground-truth import k (one label per task),
        and predictions become predictions with their model version and score.
        """
        from .batches import MAX_BATCH_ROWS, Batches
        from .data_rows import DataRows
        from .predictions import Predictions

        options = options or LabelStudioOptions()
        items: Sequence[Mapping[str, Any]] = (
            json.loads(await anyio.Path(tasks).read_text(encoding="utf-8"))
            if isinstance(tasks, str | Path)
            else tasks
        )
        ontology = await self._ontologies.get(project_id)
        checklists = ontology.names_of_kind("checklist")
        keys = [f"{dataset_id}-{task['id']}" for task in items]
        rows = await DataRows(self._api).create_many(
            dataset_id,
            [
                {
                    "row_data": task["data"][options.data_key],
                    "global_key": key,
                    "external_id": str(task["id"]),
                }
                for task, key in zip(items, keys, strict=True)
            ],
        )
        if rows.failed:
            raise ValueError(f"{rows.failed} tasks could not become data rows: {rows.errors[:3]}")
        batches = Batches(self._api)
        for start in range(0, len(keys), MAX_BATCH_ROWS):
            await batches.create(
                project_id, f"{name} {start // MAX_BATCH_ROWS + 1}",
                global_keys=keys[start : start + MAX_BATCH_ROWS],
            )  # fmt: skip
        imports = []
        depth = max((len(task.get("annotations") or []) for task in items), default=0)
        for k in range(depth):
            annotations = [
                {**annotation, "data_row": {"global_key": key}}
                for task, key in zip(items, keys, strict=True)
                if len(task.get("annotations") or []) > k
                for annotation in from_label_studio_results(
                    task["annotations"][k].get("result") or [], checklists
                )
            ]
            imports.append(
                await self.create(project_id, f"{name} annotations {k + 1}", annotations,
                                  kind=LabelImportKind.GROUND_TRUTH)
            )  # fmt: skip
        predictions = await Predictions(self._api, self._ontologies).create_many(
            project_id,
            [
                {
                    "data_row": {"global_key": key},
                    "annotations": from_label_studio_results(p.get("result") or [], checklists),
                    "score": p.get("score"),
                    "model_version": p.get("model_version"),
                }
                for task, key in zip(items, keys, strict=True)
                for p in task.get("predictions") or []
            ],
        )
        return LabelStudioImport(rows, imports, predictions)


def _rows(source: Source) -> Iterable[Any]:
    if isinstance(source, str | Path):
        return read_ndjson(source)
    assert not isinstance(source, AsyncIterable)
    return source


async def _arows(source: Source) -> AsyncIterator[Any]:
    if isinstance(source, AsyncIterable):
        async for row in source:
            yield row
    else:
        for row in _rows(source):
            yield row
