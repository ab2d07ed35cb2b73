from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .._generated.base_model import UNSET, UnsetType
from .._generated.fragments import LabelFields, ReviewFields
from .._generated.get_consensus_agreement import GetConsensusAgreementConsensusAgreement
from .._generated.input_types import CreateLabelInput, UpdateLabelInput
from .._generated.list_benchmarks import ListBenchmarksBenchmarks
from .._transport import new_idempotency_key
from ..annotations import Annotation, to_dict, validate_label
from ..pagination import AsyncPaginator
from ._base import Resource
from ._project_ontology import ProjectOntologies

#: Ids per deleteLabels request, and data rows per consensusAgreement request.
ID_CHUNK = 1000

AnnotationInput = Annotation | Mapping[str, Any]


def row_reference(data_row_id: str | None, global_key: str | None) -> dict[str, str]:
    if (data_row_id is None) == (global_key is None):
        raise ValueError("give exactly one of data_row_id and global_key")
    return (
        {"data_row_id": data_row_id} if data_row_id is not None else {"global_key": str(global_key)}
    )


class Labels(Resource):
    """`client.labels`: labels of data rows in a project, their reviews and benchmarks.

    Annotations are dicts in the NDJSON annotation format or the typed models of
    `labelkit.annotations` (`BoundingBox`, `Polygon`, `Radio`, ...). They are checked against
    the project's ontology before anything is sent: a problem raises
    `AnnotationValidationError` naming the annotation.
    """

    def __init__(self, api: Any, ontologies: ProjectOntologies | None = None) -> None:
        super().__init__(api)
        self._ontologies = ontologies or ProjectOntologies(api)

    async def _checked(
        self, project_id: str, annotations: Sequence[AnnotationInput], validate: bool
    ) -> list[dict[str, Any]]:
        if isinstance(annotations, Mapping | str) or not isinstance(annotations, Sequence):
            raise TypeError("annotations must be a list of annotations")
        if not validate:
            return [to_dict(annotation) for annotation in annotations]
        return validate_label(await self._ontologies.get(project_id), annotations)

    async def create(
        self,
        project_id: str,
        data_row_id: str | None = None,
        *,
        annotations: Sequence[AnnotationInput],
        global_key: str | None = None,
        seconds_to_label: float | None = None,
        validate: bool = True,
        idempotency_key: str | None = None,
    ) -> LabelFields:
        """A label of one data row (by id or `global_key`) of a batch of the project.

        The row moves from labeling to review.
        """
        reference = row_reference(data_row_id, global_key)
        if seconds_to_label is not None and seconds_to_label < 0:
            raise ValueError(f"seconds_to_label must be >= 0, got {seconds_to_label}")
        items = await self._checked(project_id, annotations, validate)
        return await self._call(
            self._api.create_label(
                input=CreateLabelInput(
                    project_id=project_id,
                    annotations=items,
                    seconds_to_label=seconds_to_label,
                    **reference,
                ),
                idempotency_key=idempotency_key or new_idempotency_key(),
            )
        )

    async def get(self, id: str) -> LabelFields:
        return await self._call(self._api.get_label(id=id))

    def list(
        self, project_id: str, *, data_row_id: str | None = None, page_size: int = 100
    ) -> AsyncPaginator[LabelFields]:
        """Labels of the project (or of one of its data rows), oldest first."""
        return AsyncPaginator(
            lambda first, after: self._call(
                self._api.list_labels(
                    project_id=project_id,
                    data_row_id=data_row_id if data_row_id is not None else UNSET,
                    first=first,
                    after=after,
                )
            ),
            page_size=page_size,
        )

    async def update(
        self,
        id: str,
        *,
        annotations: Sequence[AnnotationInput] | UnsetType = UNSET,
        seconds_to_label: float | None | UnsetType = UNSET,
        validate: bool = True,
    ) -> LabelFields:
        """Replaces the annotations and/or the time spent; other fields stay."""
        fields: dict[str, Any] = {}
        if not isinstance(annotations, UnsetType):
            label = await self.get(id)
            fields["annotations"] = await self._checked(label.project_id, annotations, validate)
        if not isinstance(seconds_to_label, UnsetType):
            if seconds_to_label is not None and seconds_to_label < 0:
                raise ValueError(f"seconds_to_label must be >= 0, got {seconds_to_label}")
            fields["seconds_to_label"] = seconds_to_label
        if not fields:
            raise ValueError("update() needs annotations or seconds_to_label")
        return await self._call(
            self._api.update_label(
                id=id, input=UpdateLabelInput(**fields), idempotency_key=new_idempotency_key()
            )
        )

    async def delete(self, id: str) -> None:
        await self.bulk_delete([id])

    async def bulk_delete(self, ids: Iterable[str]) -> int:
        """Deletes labels by id, in chunks; ids already gone are skipped. Returns how many went."""
        wanted = list(dict.fromkeys(ids))
        deleted = 0
        for start in range(0, len(wanted), ID_CHUNK):
            payload = await self._call(
                self._api.delete_labels(
                    ids=wanted[start : start + ID_CHUNK], idempotency_key=new_idempotency_key()
                )
            )
            deleted += payload.deleted_count
        return deleted

    # --- Reviews ---

    async def create_review(self, label_id: str, score: float) -> ReviewFields:
        """A review with `score` in -1..1; positive approves (row to DONE), negative rejects
        (row to rework)."""
        if not -1.0 <= score <= 1.0:
            raise ValueError(f"score must be between -1 and 1, got {score}")
        return await self._call(
            self._api.create_review(
                label_id=label_id, score=score, idempotency_key=new_idempotency_key()
            )
        )

    async def approve(self, label_id: str) -> ReviewFields:
        return await self.create_review(label_id, 1.0)

    async def reject(self, label_id: str) -> ReviewFields:
        return await self.create_review(label_id, -1.0)

    async def update_review(self, review_id: str, score: float) -> ReviewFields:
        if not -1.0 <= score <= 1.0:
            raise ValueError(f"score must be between -1 and 1, got {score}")
        return await self._call(
            self._api.update_review(
                id=review_id, score=score, idempotency_key=new_idempotency_key()
            )
        )

    async def delete_review(self, review_id: str) -> None:
        await self._call(
            self._api.delete_review(id=review_id, idempotency_key=new_idempotency_key())
        )

    # --- Benchmarks and consensus ---

    async def create_benchmark(self, label_id: str) -> LabelFields:
        """Makes the label its row's benchmark reference (BENCHMARK projects)."""
        return await self._call(
            self._api.set_benchmark_reference(
                label_id=label_id, is_reference=True, idempotency_key=new_idempotency_key()
            )
        )

    async def delete_benchmark(self, label_id: str) -> LabelFields:
        return await self._call(
            self._api.set_benchmark_reference(
                label_id=label_id, is_reference=False, idempotency_key=new_idempotency_key()
            )
        )

    async def benchmarks(self, project_id: str) -> builtins.list[ListBenchmarksBenchmarks]:
        """The project's benchmarks, with how well other labels agree with each reference."""
        return await self._call(self._api.list_benchmarks(project_id=project_id))

    async def consensus_agreement(
        self, project_id: str, data_row_ids: Iterable[str]
    ) -> builtins.list[GetConsensusAgreementConsensusAgreement]:
        """Agreement between the labels of each data row (CONSENSUS projects), in input order."""
        wanted = list(data_row_ids)
        results: builtins.list[GetConsensusAgreementConsensusAgreement] = []
        for start in range(0, len(wanted), ID_CHUNK):
            results.extend(
                await self._call(
                    self._api.get_consensus_agreement(
                        project_id=project_id, data_row_ids=wanted[start : start + ID_CHUNK]
                    )
                )
            )
        return results
