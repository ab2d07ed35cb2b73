"""What labels, predictions and annotation imports share: the project's ontology, data row
lookups inside a project, workflow moves, used feature schemas, and the API form of a label."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    String,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ..annotations import OntologyIndex, agreement
from .errors import validation
from .models import (
    BatchRow,
    DataRow,
    FeatureSchema,
    Label,
    LabelFeature,
    OntologyFeature,
    Project,
    Review,
    Webhook,
)
from .workflow_rows import chunks

__all__ = [
    "LabelView",
    "Ref",
    "feature_ids",
    "find_rows",
    "insert_rows",
    "label_views",
    "move_rows",
    "project_ontology",
    "replace_label_features",
    "subscribed",
]

#: ("id" | "global_key", value): how an annotation names its data row.
Ref = tuple[str, str]

DONE = "DONE"
INITIAL_LABELING = "INITIAL_LABELING"
MANUAL_REVIEW = "MANUAL_REVIEW"
MANUAL_REWORK = "MANUAL_REWORK"


async def project_ontology(session: AsyncSession, project: Project) -> OntologyIndex:
    """The project's connected ontology without archived nodes; VALIDATION without one."""
    if project.ontology_id is None:
        raise validation(
            f"Project {project.id!r} has no ontology; connect one before adding labels"
        )
    rows = await session.execute(
        select(FeatureSchema.kind, FeatureSchema.normalized)
        .join(OntologyFeature, OntologyFeature.feature_schema_id == FeatureSchema.id)
        .where(
            OntologyFeature.ontology_id == project.ontology_id,
            OntologyFeature.archived.is_(False),
        )
        .order_by(OntologyFeature.position)
    )
    normalized: dict[str, list[Any]] = {"tools": [], "classifications": []}
    for kind, node in rows:
        normalized["tools" if kind == "TOOL" else "classifications"].append(node)
    return OntologyIndex(normalized)


async def insert_rows(session: AsyncSession, table: Table, records: list[dict[str, Any]]) -> None:
    """Inserts dicts (all with the same keys) into `table` in the session's transaction.

    On SQLite the values go through the columns' own bind processors (JSON, timestamps) and
    then one driver `executemany`: SQLAlchemy's bulk insert spent some 50 µs per label row.
    """
    if not records:
        return
    connection = await session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        await session.execute(insert(table), records)
        return
    columns = list(records[0])
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    values = [
        tuple(
            value if process is None or value is None else process(value)
            for value, process in zip(record.values(), processors, strict=True)
        )
        for record in records
    ]
    driver = (await connection.get_raw_connection()).driver_connection
    assert driver is not None
    marks = ", ".join("?" for _ in columns)
    await driver.executemany(
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", values
    )


def _in(column: Any, values: Sequence[str], dialect: str) -> ColumnElement[bool]:
    """`column IN values` as one bound parameter: SQLAlchemy compiles a statement with
    thousands of parameters anew on every call."""
    if dialect == "sqlite":
        listed = select(
            func.json_each(bindparam(None, json.dumps(list(values)))).table_valued("value").c.value
        )
        return cast(ColumnElement[bool], column.in_(listed.scalar_subquery()))
    return cast(
        ColumnElement[bool], column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    )


async def find_rows(
    session: AsyncSession, organization_id: str, project_id: str, refs: Iterable[Ref]
) -> dict[Ref, tuple[str, str | None] | str]:
    """For each reference: (data row id, global key), or why it cannot be labeled here (not
    found in the organization, or in no batch of the project)."""
    wanted = list(dict.fromkeys(refs))
    found: dict[Ref, tuple[str, str | None]] = {}
    dialect = (await session.connection()).dialect.name
    for kind, column in (("id", DataRow.id), ("global_key", DataRow.global_key)):
        values = [value for ref_kind, value in wanted if ref_kind == kind]
        for part in chunks(values, 10_000):
            rows = await session.execute(
                select(DataRow.id, DataRow.global_key).where(
                    DataRow.organization_id == organization_id, _in(column, part, dialect)
                )
            )
            for row_id, key in rows:
                value = row_id if kind == "id" else key
                if value is not None:
                    found[(kind, value)] = (row_id, key)
    in_project: set[str] = set()
    row_ids = list({row_id for row_id, _ in found.values()})
    for part in chunks(row_ids, 10_000):
        in_project.update(
            await session.scalars(
                select(BatchRow.data_row_id)
                .where(BatchRow.project_id == project_id, _in(BatchRow.data_row_id, part, dialect))
                .distinct()
            )
        )
    result: dict[Ref, tuple[str, str | None] | str] = {}
    for ref in wanted:
        match = found.get(ref)
        if match is None:
            what = "data row" if ref[0] == "id" else "data row with global key"
            result[ref] = f"{what} {ref[1]!r} not found"
        elif match[0] not in in_project:
            result[ref] = f"data row {match[0]!r} is in no batch of project {project_id!r}"
        else:
            result[ref] = match
    return result


async def move_rows(
    session: AsyncSession, project_id: str, row_ids: Sequence[str], source: str, target: str
) -> None:
    """Moves the rows of the project's active batches that are in `source` to `target`."""
    for part in chunks(row_ids, 10_000):
        await session.execute(
            update(BatchRow)
            .where(
                BatchRow.project_id == project_id,
                BatchRow.active.is_(True),
                BatchRow.queue == source,
                BatchRow.data_row_id.in_(part),
            )
            .values(queue=target)
            .execution_options(synchronize_session=False)
        )


def _walk_ids(node: Mapping[str, Any]) -> Iterator[str]:
    schema_id = node.get("feature_schema_id")
    if schema_id:
        yield schema_id
    for child in node.get("classifications") or ():
        yield from _walk_ids(child)
    answer = node.get("answer")
    for option in answer if isinstance(answer, list) else [answer]:
        if isinstance(option, Mapping):
            yield from _walk_ids(option)


def feature_ids(annotations: Iterable[Mapping[str, Any]]) -> set[str]:
    """Feature schema ids a label uses, nested classifications and options included."""
    return {schema_id for annotation in annotations for schema_id in _walk_ids(annotation)}


async def replace_label_features(
    session: AsyncSession, labels: Mapping[str, Iterable[Mapping[str, Any]]], *, fresh: bool
) -> None:
    """Records which feature schemas each label uses (the ontology's "is it used" checks)."""
    if not fresh:
        for part in chunks(list(labels), 10_000):
            await session.execute(delete(LabelFeature).where(LabelFeature.label_id.in_(part)))
    records = [
        {"label_id": label_id, "feature_schema_id": schema_id}
        for label_id, annotations in labels.items()
        for schema_id in feature_ids(annotations)
    ]
    await insert_rows(session, cast(Table, LabelFeature.__table__), records)


async def subscribed(
    session: AsyncSession, organization_id: str, project_id: str, topic: str
) -> bool:
    """Whether any active webhook would receive `topic` events of the project; bulk writers
    skip building events nobody receives."""
    hooks = await session.scalars(
        select(Webhook.topics).where(
            Webhook.organization_id == organization_id,
            Webhook.status == "ACTIVE",
            (Webhook.project_id == project_id) | Webhook.project_id.is_(None),
        )
    )
    return any(topic in topics for topics in hooks)


@dataclass(slots=True)
class LabelView:
    """A label as the API shows it."""

    id: str
    project_id: str
    data_row_id: str
    global_key: str | None
    annotations: list[dict[str, Any]]
    seconds_to_label: float | None
    is_benchmark_reference: bool
    benchmark_agreement: float | None
    import_id: str | None
    created_at: datetime
    updated_at: datetime
    created_by_id: str
    reviews: list[Review] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The label in webhook bodies."""
        return {
            "id": self.id,
            "projectId": self.project_id,
            "dataRowId": self.data_row_id,
            "globalKey": self.global_key,
            "annotations": self.annotations,
            "secondsToLabel": self.seconds_to_label,
            "isBenchmarkReference": self.is_benchmark_reference,
            "createdAt": self.created_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
            "createdBy": self.created_by_id,
        }


async def label_views(session: AsyncSession, labels: Sequence[Label]) -> list[LabelView]:
    """The labels with their global keys, reviews and benchmark agreement, in a few queries."""
    if not labels:
        return []
    row_ids = list({label.data_row_id for label in labels})
    found = await session.execute(
        select(DataRow.id, DataRow.global_key).where(DataRow.id.in_(row_ids))
    )
    keys = {row_id: key for row_id, key in found}
    reviews: dict[str, list[Review]] = {}
    for review in await session.scalars(
        select(Review)
        .where(Review.label_id.in_([label.id for label in labels]))
        .order_by(Review.id)
    ):
        reviews.setdefault(review.label_id, []).append(review)
    references: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for project_id, row_id, payload in await session.execute(
        select(Label.project_id, Label.data_row_id, Label.payload).where(
            Label.data_row_id.in_(row_ids), Label.is_benchmark_reference.is_(True)
        )
    ):
        references[(project_id, row_id)] = payload
    views = []
    for label in labels:
        reference = references.get((label.project_id, label.data_row_id))
        score = (
            agreement(label.payload, reference)
            if reference is not None and not label.is_benchmark_reference
            else None
        )
        views.append(
            LabelView(
                id=label.id,
                project_id=label.project_id,
                data_row_id=label.data_row_id,
                global_key=keys.get(label.data_row_id),
                annotations=label.payload,
                seconds_to_label=label.seconds_to_label,
                is_benchmark_reference=label.is_benchmark_reference,
                benchmark_agreement=score,
                import_id=label.import_id,
                created_at=label.created_at,
                updated_at=label.updated_at,
                created_by_id=label.created_by_id,
                reviews=reviews.get(label.id, []),
            )
        )
    return views
