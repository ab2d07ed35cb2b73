"""Predictions: prediction, predictions, createPrediction, importPredictions (one bulk chunk),
deletePredictions, predictionsToLabels."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...annotations import OntologyIndex, data_row_ref
from ..context import Context
from ..errors import ApiError, ErrorCode, not_found, validation
from ..ids import new_id, new_ids
from ..label_store import (
    INITIAL_LABELING,
    MANUAL_REVIEW,
    find_rows,
    move_rows,
    project_ontology,
    replace_label_features,
)
from ..models import DataRow, Label, Prediction, Project, Task, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from .common import context, count_where, find_in_organization, mutation, query
from .labels import row_ref

__all__ = ["bindables"]

MAX_CHUNK = 10_000
MAX_DELETE = 1000
MAX_MODEL_VERSION = 255
_TO_LABELS_BATCH = 5000
_ROW_FIELDS = frozenset(
    {"data_row", "dataRow", "annotations", "result", "score", "model_version", "modelVersion"}
)


@dataclass(slots=True)
class PredictionView:
    id: str
    project_id: str
    data_row_id: str
    global_key: str | None
    model_version: str | None
    score: float | None
    annotations: list[dict[str, Any]]
    import_id: str | None
    created_at: datetime


async def _views(session: AsyncSession, predictions: Sequence[Prediction]) -> list[PredictionView]:
    row_ids = list({p.data_row_id for p in predictions})
    found = await session.execute(
        select(DataRow.id, DataRow.global_key).where(DataRow.id.in_(row_ids))
    )
    keys = {row_id: key for row_id, key in found}
    return [
        PredictionView(
            p.id,
            p.project_id,
            p.data_row_id,
            keys.get(p.data_row_id),
            p.model_version,
            p.score,
            p.payload,
            p.import_id,
            p.created_at,
        )
        for p in predictions
    ]


def _score(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"score must be a finite number, got {value!r}"
    return None


def _model_version(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_MODEL_VERSION:
        return f"model_version must be a non-empty string of at most {MAX_MODEL_VERSION} characters"
    return None


@query.field("prediction")
async def resolve_prediction(_: None, info: GraphQLResolveInfo, id: str) -> PredictionView:
    ctx = context(info)
    async with ctx.session() as session:
        prediction = await session.scalar(
            select(Prediction).where(
                Prediction.id == id, Prediction.organization_id == ctx.organization_id
            )
        )
        if prediction is None:
            raise not_found("Prediction", id)
        return (await _views(session, [prediction]))[0]


@query.field("predictions")
async def resolve_predictions(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    data_row_id: str | None = None,
    model_version: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "prd")
    conditions: list[ColumnElement[bool]] = [Prediction.project_id == project_id]
    if data_row_id is not None:
        conditions.append(Prediction.data_row_id == data_row_id)
    if model_version is not None:
        conditions.append(Prediction.model_version == model_version)
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        rows = (
            await session.scalars(
                keyset(select(Prediction).where(*conditions), Prediction.id, limit, after_id)
            )
        ).all()
        views = await _views(session, rows)
    return make_connection(views, limit, lambda: count_where(ctx, Prediction, *conditions))


@mutation.field("createPrediction")
async def resolve_create_prediction(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> PredictionView:
    ctx = context(info)
    ref = row_ref(input.get("data_row_id"), input.get("global_key"))
    problem = _score(input.get("score")) or _model_version(input.get("model_version"))
    if problem:
        raise validation(problem)
    async with ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, input["project_id"])
        ontology = await project_ontology(session, project)
        annotations, reason = ontology.check_label(input["annotations"])
        if annotations is None:
            raise validation(reason or "invalid annotations")
        found = (await find_rows(session, ctx.organization_id, project.id, [ref]))[ref]
        if isinstance(found, str):
            code = ErrorCode.NOT_FOUND if "not found" in found else ErrorCode.VALIDATION
            raise ApiError(code, found)
        prediction = Prediction(
            id=new_id("prd"),
            organization_id=ctx.organization_id,
            project_id=project.id,
            data_row_id=found[0],
            model_version=input.get("model_version"),
            score=input.get("score"),
            payload=annotations,
            import_id=None,
            created_by_id=ctx.principal.user_id,
            created_at=utcnow(),
        )
        session.add(prediction)
        await session.flush()
        return (await _views(session, [prediction]))[0]


def _check_row(ontology: OntologyIndex, raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A bulk prediction row with its annotations checked, or the reason it is invalid."""
    if not isinstance(raw, Mapping):
        return None, "must be an object"
    unknown = set(raw) - _ROW_FIELDS
    if unknown:
        return None, f"unknown field(s) {sorted(unknown)}"
    ref = data_row_ref(raw)
    if isinstance(ref, str):
        return None, ref
    problem = _score(raw.get("score")) or _model_version(
        raw.get("model_version", raw.get("modelVersion"))
    )
    if problem:
        return None, problem
    annotations, reason = ontology.check_label(raw.get("annotations", raw.get("result")))
    if annotations is None:
        return None, reason
    return {
        "ref": ref,
        "annotations": annotations,
        "score": raw.get("score"),
        "model_version": raw.get("model_version", raw.get("modelVersion")),
    }, None


@mutation.field("importPredictions")
async def resolve_import_predictions(
    _: None, info: GraphQLResolveInfo, project_id: str, rows: Any, offset: int = 0
) -> Task:
    ctx = context(info)
    if type(rows) is not list:
        raise validation("rows must be a JSON array of prediction objects")
    if len(rows) > MAX_CHUNK:
        raise validation(f"At most {MAX_CHUNK} predictions per call, got {len(rows)}")
    async with ctx.state.write_turn(), ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
        ontology = await project_ontology(session, project)
        failures: list[dict[str, Any]] = []
        valid: list[tuple[int, dict[str, Any]]] = []
        for index, raw in enumerate(rows):
            checked, reason = _check_row(ontology, raw)
            if checked is None:
                failures.append({"index": index, "reason": reason})
            else:
                valid.append((index, checked))
        found = await find_rows(
            session, ctx.organization_id, project.id, [item["ref"] for _, item in valid]
        )
        now = utcnow()
        records = []
        accepted = [(i, item) for i, item in valid if not isinstance(found[item["ref"]], str)]
        ids = new_ids("prd", len(accepted))
        for index, item in valid:
            match = found[item["ref"]]
            if isinstance(match, str):
                failures.append({"index": index, "reason": match})
        for (_position, item), prediction_id in zip(accepted, ids, strict=True):
            match = found[item["ref"]]
            assert not isinstance(match, str)
            records.append(
                {
                    "id": prediction_id,
                    "organization_id": ctx.organization_id,
                    "project_id": project.id,
                    "data_row_id": match[0],
                    "model_version": item["model_version"],
                    "score": item["score"],
                    "payload": item["annotations"],
                    "import_id": None,
                    "created_by_id": ctx.principal.user_id,
                    "created_at": now,
                }
            )
        if records:
            await session.execute(insert(Prediction), records)
        failures.sort(key=lambda failure: int(failure["index"]))
        for failure in failures:
            raw = rows[failure["index"]]
            ref = data_row_ref(raw) if isinstance(raw, dict) else None
            failure["globalKey"] = (
                ref[1] if isinstance(ref, tuple) and ref[0] == "global_key" else None
            )
            failure["externalId"] = None
            failure["offsetIndex"] = offset + failure["index"]
        task = Task(
            id=new_id("tsk"),
            organization_id=ctx.organization_id,
            name="import predictions",
            status="COMPLETE",
            completion_percentage=100.0,
            result={"createdCount": len(records), "failedCount": len(failures), "ids": ids},
            errors=[],
            failed_data_rows=failures,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
    return task


@mutation.field("deletePredictions")
async def resolve_delete_predictions(
    _: None, info: GraphQLResolveInfo, ids: list[str]
) -> dict[str, int]:
    ctx = context(info)
    if len(ids) > MAX_DELETE:
        raise validation(f"At most {MAX_DELETE} predictions per call, got {len(ids)}")
    async with ctx.transaction() as session:
        result = await session.execute(
            delete(Prediction).where(
                Prediction.id.in_(list(dict.fromkeys(ids))),
                Prediction.organization_id == ctx.organization_id,
            )
        )
    return {"deleted_count": int(getattr(result, "rowcount", 0) or 0)}


async def _predictions_to_labels(
    session: AsyncSession, ctx: Context, project_id: str, versions: list[str] | None
) -> int:
    created = 0
    after = ""
    while True:
        statement = select(Prediction).where(
            Prediction.project_id == project_id, Prediction.id > after
        )
        if versions is not None:
            statement = statement.where(Prediction.model_version.in_(versions))
        batch = (
            await session.scalars(statement.order_by(Prediction.id).limit(_TO_LABELS_BATCH))
        ).all()
        if not batch:
            return created
        now = utcnow()
        ids = new_ids("lbl", len(batch))
        await session.execute(
            insert(Label),
            [
                {
                    "id": label_id,
                    "organization_id": ctx.organization_id,
                    "project_id": project_id,
                    "data_row_id": p.data_row_id,
                    "created_by_id": ctx.principal.user_id,
                    "created_at": now,
                    "updated_at": now,
                    "payload": p.payload,
                    "is_benchmark_reference": False,
                }
                for label_id, p in zip(ids, batch, strict=True)
            ],
        )
        await replace_label_features(
            session,
            {label_id: p.payload for label_id, p in zip(ids, batch, strict=True)},
            fresh=True,
        )
        await move_rows(
            session, project_id, [p.data_row_id for p in batch], INITIAL_LABELING, MANUAL_REVIEW
        )
        created += len(batch)
        after = batch[-1].id


@mutation.field("predictionsToLabels")
async def resolve_predictions_to_labels(
    _: None, info: GraphQLResolveInfo, project_id: str, model_versions: list[str] | None = None
) -> Task:
    ctx = context(info)
    async with ctx.state.write_turn(), ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
        created = await _predictions_to_labels(session, ctx, project.id, model_versions)
        if created:
            project.last_activity_time = utcnow()
        now = utcnow()
        task = Task(
            id=new_id("tsk"),
            organization_id=ctx.organization_id,
            name="predictions to labels",
            status="COMPLETE",
            completion_percentage=100.0,
            result={"createdCount": created},
            errors=[],
            failed_data_rows=[],
            created_at=now,
            updated_at=now,
        )
        session.add(task)
    return task


def _connection_types() -> list[ObjectType]:
    connection = ObjectType("PredictionConnection")
    connection.set_field("totalCount", resolve_total_count)
    return [connection]


bindables = [*_connection_types()]
