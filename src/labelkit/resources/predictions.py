from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._generated.base_model import UNSET
from .._generated.fragments import PredictionFields
from .._generated.input_types import CreatePredictionInput
from .._transport import Verbatim, new_idempotency_key
from ..annotations import validate_label
from ..bulk import BulkProgress, BulkReport, Checkpoint, ChunkOutcome, run_chunks
from ..errors import AnnotationValidationError
from ..pagination import AsyncPaginator
from ._base import Resource
from ._chunks import task_outcome
from ._project_ontology import ProjectOntologies
from .labels import ID_CHUNK, AnnotationInput, row_reference

#: Predictions per `importPredictions` request (one chunk of `create_many`).
MAX_CHUNK = 10_000
_ROW_FIELDS = frozenset({"data_row", "annotations", "result", "score", "model_version"})


class Predictions(Resource):
    """`client.predictions`: a model's annotations of data rows, kept apart from labels until
    `to_labels` turns them into labels. Checked against the project's ontology like labels."""

    def __init__(self, api: Any, ontologies: ProjectOntologies | None = None) -> None:
        super().__init__(api)
        self._ontologies = ontologies or ProjectOntologies(api)

    async def create(
        self,
        project_id: str,
        data_row_id: str | None = None,
        result: Sequence[AnnotationInput] = (),
        score: float | None = None,
        model_version: str | None = None,
        *,
        global_key: str | None = None,
        validate: bool = True,
    ) -> PredictionFields:
        """One prediction: `result` is its list of annotations."""
        reference = row_reference(data_row_id, global_key)
        items = (
            validate_label(await self._ontologies.get(project_id), result)
            if validate
            else [dict(item) if isinstance(item, Mapping) else item.to_dict() for item in result]
        )
        return await self._call(
            self._api.create_prediction(
                input=CreatePredictionInput(
                    project_id=project_id,
                    annotations=items,
                    score=score,
                    model_version=model_version,
                    **reference,
                ),
                idempotency_key=new_idempotency_key(),
            )
        )

    async def create_many(
        self,
        project_id: str,
        predictions: Iterable[Mapping[str, Any]] | AsyncIterable[Mapping[str, Any]],
        *,
        chunk_size: int = 1000,
        concurrency: int = 4,
        checkpoint: str | Path | None = None,
        progress: Callable[[BulkProgress], object] | None = None,
        validate: bool = True,
    ) -> BulkReport:
        """Any number of predictions, each `{"data_row": {"id"} | {"global_key"},
        "annotations" (or "result"): [...], "score", "model_version"}`, through the same
        chunked, idempotent and resumable engine as `data_rows.create_many`.

        With `validate`, each prediction is checked as it is read; the first invalid one
        raises `AnnotationValidationError` (chunks sent before it stay written).
        """
        if not 1 <= chunk_size <= MAX_CHUNK:
            raise ValueError(f"chunk_size must be between 1 and {MAX_CHUNK}, got {chunk_size}")
        ontology = await self._ontologies.get(project_id) if validate else None
        journal = (
            Checkpoint(checkpoint, {"project_id": project_id, "chunk_size": chunk_size})
            if checkpoint is not None
            else None
        )

        async def checked() -> AsyncIterator[Mapping[str, Any]]:
            index = 0
            async for row in _aiter(predictions):
                if ontology is not None:
                    _check_row(ontology, row, index)
                yield row
                index += 1

        async def send(index: int, chunk: list[Mapping[str, Any]], key: str) -> ChunkOutcome:
            task = await self._call(
                self._api.import_predictions(
                    project_id=project_id,
                    rows=Verbatim(chunk),
                    offset=index * chunk_size,
                    idempotency_key=key,
                )
            )
            return task_outcome(task, index, len(chunk), index * chunk_size)

        try:
            outcomes = await run_chunks(
                checked(),
                send,
                chunk_size=chunk_size,
                concurrency=concurrency,
                checkpoint=journal,
                progress=progress,
            )
        finally:
            if journal is not None:
                journal.close()
        return BulkReport.from_outcomes(outcomes)

    async def get(self, id: str) -> PredictionFields:
        return await self._call(self._api.get_prediction(id=id))

    def list(
        self,
        project_id: str,
        *,
        data_row_id: str | None = None,
        model_version: str | None = None,
        page_size: int = 100,
    ) -> AsyncPaginator[PredictionFields]:
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_predictions(
                    project_id=project_id,
                    data_row_id=data_row_id if data_row_id is not None else UNSET,
                    model_version=model_version if model_version is not None else UNSET,
                    first=first,
                    after=after,
                )
            ),
            page_size=page_size,
        )

    async def delete(self, ids: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(ids))
        deleted = 0
        for start in range(0, len(wanted), ID_CHUNK):
            payload = await self._call(
                self._api.delete_predictions(
                    ids=wanted[start : start + ID_CHUNK], idempotency_key=new_idempotency_key()
                )
            )
            deleted += payload.deleted_count
        return deleted

    async def to_labels(self, project_id: str, model_versions: Iterable[str] | None = None) -> int:
        """A label from every prediction of these model versions (all when None); returns
        how many labels were made."""
        task = await self._call(
            self._api.predictions_to_labels(
                project_id=project_id,
                model_versions=list(model_versions) if model_versions is not None else UNSET,
                idempotency_key=new_idempotency_key(),
            )
        )
        result = task.result if isinstance(task.result, dict) else {}
        return int(result.get("createdCount", 0))


def _check_row(ontology: Any, row: Any, index: int) -> None:
    if not isinstance(row, Mapping):
        raise AnnotationValidationError(
            f"a prediction must be a dict, got {type(row).__name__}", row=index, annotation=None
        )
    unknown = set(row) - _ROW_FIELDS
    if unknown:
        raise AnnotationValidationError(
            f"unknown field(s) {sorted(unknown)}; expected {sorted(_ROW_FIELDS)}",
            row=index,
            annotation=None,
        )
    reference = row.get("data_row")
    if (
        not isinstance(reference, Mapping)
        or len(reference) != 1
        or not (set(reference) <= {"id", "global_key"})
    ):
        raise AnnotationValidationError(
            "needs data_row: {id} or {global_key}", row=index, annotation=None
        )
    validate_label(ontology, row.get("annotations", row.get("result")) or [], row=index)


async def _aiter(items: Iterable[Any] | AsyncIterable[Any]) -> AsyncIterator[Any]:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
