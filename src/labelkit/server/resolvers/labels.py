"""Labels: label, labels, createLabel, updateLabel, deleteLabels; reviews; benchmarks;
consensus agreement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from ...annotations import agreement
from ..errors import ApiError, ErrorCode, not_found, validation
from ..ids import new_id
from ..label_store import (
    DONE,
    INITIAL_LABELING,
    MANUAL_REVIEW,
    MANUAL_REWORK,
    LabelView,
    find_rows,
    label_views,
    move_rows,
    project_ontology,
    replace_label_features,
)
from ..models import Label, Project, Review, User, utcnow
from ..pagination import (
    Connection,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from ..webhooks import emit
from .common import context, count_where, find_in_organization, mutation, query

__all__ = ["bindables", "resolve_creator", "row_ref"]

MAX_DELETE = 1000
MAX_AGREEMENT_ROWS = 1000

label_type = ObjectType("Label")
review_type = ObjectType("Review")


async def resolve_creator(obj: Any, info: GraphQLResolveInfo) -> User:
    user = await context(info).user(obj.created_by_id)
    if user is None:
        raise not_found("User", obj.created_by_id)
    return user


label_type.set_field("createdBy", resolve_creator)
review_type.set_field("createdBy", resolve_creator)


def row_ref(data_row_id: str | None, global_key: str | None) -> tuple[str, str]:
    """The data row an input names: exactly one of dataRowId and globalKey."""
    if (data_row_id is None) == (global_key is None):
        raise validation("Give exactly one of dataRowId and globalKey")
    return ("id", data_row_id) if data_row_id is not None else ("global_key", str(global_key))


def _seconds(value: Any) -> float | None:
    if value is not None and (not math.isfinite(value) or value < 0):
        raise validation(f"secondsToLabel must be a number >= 0, got {value}")
    return value if value is None else float(value)


async def _view(session: AsyncSession, label: Label) -> LabelView:
    return (await label_views(session, [label]))[0]


async def _touch(session: AsyncSession, project: Project) -> None:
    project.last_activity_time = utcnow()


@query.field("label")
async def resolve_label(_: None, info: GraphQLResolveInfo, id: str) -> LabelView:
    ctx = context(info)
    async with ctx.session() as session:
        return await _view(session, await find_in_organization(session, ctx, Label, id))


@query.field("labels")
async def resolve_labels(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    data_row_id: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "lbl")
    conditions: list[ColumnElement[bool]] = [Label.project_id == project_id]
    if data_row_id is not None:
        conditions.append(Label.data_row_id == data_row_id)
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        rows = (
            await session.scalars(
                keyset(select(Label).where(*conditions), Label.id, limit, after_id)
            )
        ).all()
        views = await label_views(session, rows[: limit + 1])
    return make_connection(views, limit, lambda: count_where(ctx, Label, *conditions))


@mutation.field("createLabel")
async def resolve_create_label(
    _: None, info: GraphQLResolveInfo, input: dict[str, Any]
) -> LabelView:
    ctx = context(info)
    ref = row_ref(input.get("data_row_id"), input.get("global_key"))
    seconds = _seconds(input.get("seconds_to_label"))
    async with ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, input["project_id"])
        ontology = await project_ontology(session, project)
        annotations, reason = ontology.check_label(input["annotations"])
        if annotations is None:
            raise validation(reason or "invalid annotations")
        found = (await find_rows(session, ctx.organization_id, project.id, [ref]))[ref]
        if isinstance(found, str):
            raise ApiError(
                ErrorCode.NOT_FOUND if "not found" in found else ErrorCode.VALIDATION, found
            )
        now = utcnow()
        label = Label(
            id=new_id("lbl"),
            organization_id=ctx.organization_id,
            project_id=project.id,
            data_row_id=found[0],
            created_by_id=ctx.principal.user_id,
            created_at=now,
            updated_at=now,
            payload=annotations,
            seconds_to_label=seconds,
            is_benchmark_reference=False,
        )
        session.add(label)
        await session.flush()
        await replace_label_features(session, {label.id: annotations}, fresh=True)
        # A submitted label takes its row from labeling to review.
        await move_rows(session, project.id, [found[0]], INITIAL_LABELING, MANUAL_REVIEW)
        await _touch(session, project)
        view = await _view(session, label)
        await emit(
            session,
            organization_id=ctx.organization_id,
            project_id=project.id,
            topic="LABEL_CREATED",
            data=view.to_json(),
        )
    return view


@mutation.field("updateLabel")
async def resolve_update_label(
    _: None, info: GraphQLResolveInfo, id: str, input: dict[str, Any]
) -> LabelView:
    ctx = context(info)
    if not input:
        raise validation("updateLabel needs at least one field to change")
    async with ctx.transaction() as session:
        label = await find_in_organization(session, ctx, Label, id)
        project = await find_in_organization(session, ctx, Project, label.project_id)
        if "annotations" in input:
            ontology = await project_ontology(session, project)
            annotations, reason = ontology.check_label(input["annotations"])
            if annotations is None:
                raise validation(reason or "invalid annotations")
            label.payload = annotations
            await replace_label_features(session, {label.id: annotations}, fresh=False)
        if "seconds_to_label" in input:
            label.seconds_to_label = _seconds(input["seconds_to_label"])
        label.updated_at = utcnow()
        await _touch(session, project)
        await session.flush()
        view = await _view(session, label)
        await emit(
            session,
            organization_id=ctx.organization_id,
            project_id=project.id,
            topic="LABEL_UPDATED",
            data=view.to_json(),
        )
    return view


@mutation.field("deleteLabels")
async def resolve_delete_labels(
    _: None, info: GraphQLResolveInfo, ids: list[str]
) -> dict[str, int]:
    ctx = context(info)
    if len(ids) > MAX_DELETE:
        raise validation(f"At most {MAX_DELETE} labels per call, got {len(ids)}")
    async with ctx.transaction() as session:
        labels = (
            await session.scalars(
                select(Label).where(
                    Label.id.in_(list(dict.fromkeys(ids))),
                    Label.organization_id == ctx.organization_id,
                )
            )
        ).all()
        for label in labels:
            await emit(
                session,
                organization_id=ctx.organization_id,
                project_id=label.project_id,
                topic="LABEL_DELETED",
                data={
                    "id": label.id,
                    "projectId": label.project_id,
                    "dataRowId": label.data_row_id,
                },
            )
            await session.delete(label)
    return {"deleted_count": len(labels)}


# --- Reviews ------------------------------------------------------------------------------------


def _score(score: float) -> float:
    if not math.isfinite(score) or not -1.0 <= score <= 1.0:
        raise validation(f"score must be between -1 and 1, got {score}")
    return score


async def _apply_verdict(session: AsyncSession, label: Label, score: float) -> None:
    """An approval sends the row to DONE, a rejection to rework (rows still being labeled
    stay where they are)."""
    if score == 0:
        return
    target = DONE if score > 0 else MANUAL_REWORK
    for source in (MANUAL_REVIEW, MANUAL_REWORK, DONE):
        if source != target:
            await move_rows(session, label.project_id, [label.data_row_id], source, target)


def _review_json(review: Review) -> dict[str, Any]:
    return {
        "id": review.id,
        "labelId": review.label_id,
        "score": review.score,
        "createdAt": review.created_at.isoformat(),
        "updatedAt": review.updated_at.isoformat(),
        "createdBy": review.created_by_id,
    }


@mutation.field("createReview")
async def resolve_create_review(
    _: None, info: GraphQLResolveInfo, label_id: str, score: float
) -> Review:
    ctx = context(info)
    score = _score(score)
    async with ctx.transaction() as session:
        label = await find_in_organization(session, ctx, Label, label_id)
        now = utcnow()
        review = Review(
            id=new_id("rev"),
            organization_id=ctx.organization_id,
            project_id=label.project_id,
            label_id=label.id,
            score=score,
            created_by_id=ctx.principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(review)
        await _apply_verdict(session, label, score)
        await emit(
            session,
            organization_id=ctx.organization_id,
            project_id=label.project_id,
            topic="REVIEW_CREATED",
            data=_review_json(review),
        )
    return review


@mutation.field("updateReview")
async def resolve_update_review(_: None, info: GraphQLResolveInfo, id: str, score: float) -> Review:
    ctx = context(info)
    score = _score(score)
    async with ctx.transaction() as session:
        review = await find_in_organization(session, ctx, Review, id)
        review.score = score
        review.updated_at = utcnow()
        await _apply_verdict(
            session, await find_in_organization(session, ctx, Label, review.label_id), score
        )
        await emit(
            session,
            organization_id=ctx.organization_id,
            project_id=review.project_id,
            topic="REVIEW_UPDATED",
            data=_review_json(review),
        )
    return review


@mutation.field("deleteReview")
async def resolve_delete_review(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.transaction() as session:
        review = await find_in_organization(session, ctx, Review, id)
        await emit(
            session,
            organization_id=ctx.organization_id,
            project_id=review.project_id,
            topic="REVIEW_DELETED",
            data={"id": review.id, "labelId": review.label_id},
        )
        await session.delete(review)
    return {"deleted_count": 1}


# --- Benchmarks and consensus -------------------------------------------------------------------


@mutation.field("setBenchmarkReference")
async def resolve_set_benchmark_reference(
    _: None, info: GraphQLResolveInfo, label_id: str, is_reference: bool = True
) -> LabelView:
    ctx = context(info)
    async with ctx.transaction() as session:
        label = await find_in_organization(session, ctx, Label, label_id)
        project = await find_in_organization(session, ctx, Project, label.project_id)
        if is_reference and project.quality_mode != "BENCHMARK":
            raise validation(
                f"Project {project.id!r} uses {project.quality_mode}; "
                "benchmarks need a BENCHMARK project"
            )
        if is_reference:
            # One reference per data row: another one stops being it.
            others = await session.scalars(
                select(Label).where(
                    Label.project_id == label.project_id,
                    Label.data_row_id == label.data_row_id,
                    Label.is_benchmark_reference.is_(True),
                    Label.id != label.id,
                )
            )
            for other in others:
                other.is_benchmark_reference = False
                other.benchmark_created_at = None
            if not label.is_benchmark_reference:
                label.benchmark_created_at = utcnow()
        else:
            label.benchmark_created_at = None
        label.is_benchmark_reference = is_reference
        await session.flush()
        return await _view(session, label)


@query.field("benchmarks")
async def resolve_benchmarks(
    _: None, info: GraphQLResolveInfo, project_id: str
) -> list[dict[str, Any]]:
    ctx = context(info)
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        references = (
            await session.scalars(
                select(Label)
                .where(Label.project_id == project_id, Label.is_benchmark_reference.is_(True))
                .order_by(Label.benchmark_created_at, Label.id)
            )
        ).all()
        views = await label_views(session, references)
        others: dict[str, list[Any]] = {}
        if references:
            rows = await session.execute(
                select(Label.data_row_id, Label.payload).where(
                    Label.project_id == project_id,
                    Label.is_benchmark_reference.is_(False),
                    Label.data_row_id.in_([label.data_row_id for label in references]),
                )
            )
            for row_id, payload in rows:
                others.setdefault(row_id, []).append(payload)
    benchmarks = []
    for label, view in zip(references, views, strict=True):
        scores = [
            agreement(payload, label.payload) for payload in others.get(label.data_row_id, [])
        ]
        benchmarks.append(
            {
                "reference_label": view,
                "data_row_id": label.data_row_id,
                "completed_count": len(scores),
                "average_agreement": sum(scores) / len(scores) if scores else None,
                "created_at": label.benchmark_created_at or label.created_at,
            }
        )
    return benchmarks


def consensus(payloads: Sequence[Any]) -> float | None:
    """Mean pairwise agreement of a row's labels; None with fewer than two."""
    pairs = [
        agreement(payloads[i], payloads[j])
        for i in range(len(payloads))
        for j in range(i + 1, len(payloads))
    ]
    return sum(pairs) / len(pairs) if pairs else None


@query.field("consensusAgreement")
async def resolve_consensus_agreement(
    _: None, info: GraphQLResolveInfo, project_id: str, data_row_ids: list[str]
) -> list[dict[str, Any]]:
    ctx = context(info)
    if len(data_row_ids) > MAX_AGREEMENT_ROWS:
        raise validation(
            f"At most {MAX_AGREEMENT_ROWS} data rows per call, got {len(data_row_ids)}"
        )
    async with ctx.session() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
        if project.quality_mode != "CONSENSUS":
            raise validation(f"Project {project_id!r} does not use consensus")
        payloads: dict[str, list[Any]] = {}
        rows = await session.execute(
            select(Label.data_row_id, Label.payload)
            .where(Label.project_id == project_id, Label.data_row_id.in_(data_row_ids))
            .order_by(Label.id)
        )
        for row_id, payload in rows:
            payloads.setdefault(row_id, []).append(payload)
    return [
        {
            "data_row_id": row_id,
            "label_count": len(payloads.get(row_id, [])),
            "agreement": consensus(payloads.get(row_id, [])),
        }
        for row_id in data_row_ids
    ]


def _connection_types() -> list[ObjectType]:
    types = []
    for name in ("LabelConnection",):
        connection = ObjectType(name)
        connection.set_field("totalCount", resolve_total_count)
        types.append(connection)
    return types


bindables = [label_type, review_type, *_connection_types()]
