"""Annotation imports: createLabelImport, importAnnotations (one chunk), finishLabelImport,
deleteLabelImport, labelImport, labelImports, annotationStatuses.

A client sends an import's annotations in chunks (the SDK's bulk engine); each chunk is
checked and written in one transaction with a Task that records its per-row failures, and
every annotation gets a status row. Annotations of one data row become one label (ground
truth) or one pre-label (a prediction) of the import, across chunks.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from ariadne import ObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ...annotations import OntologyIndex, data_row_ref
from ..context import Context
from ..errors import ApiError, ErrorCode, validation
from ..fast_execution import FieldAttr
from ..ids import new_id, new_ids
from ..label_store import (
    DONE,
    INITIAL_LABELING,
    Ref,
    find_rows,
    insert_rows,
    move_rows,
    project_ontology,
    replace_label_features,
    subscribed,
)
from ..models import AnnotationStatusRow, Label, LabelImport, Prediction, Project, Task, utcnow
from ..pagination import (
    Connection,
    Edge,
    PageInfo,
    check_first,
    decode_cursor,
    keyset,
    make_connection,
    resolve_total_count,
)
from ..webhooks import emit
from ..workflow_rows import chunks
from .common import context, count_where, find_in_organization, mutation, query, require_text
from .labels import resolve_creator

__all__ = ["MAX_CHUNK", "bindables", "check_chunk", "chunk_refs"]

MAX_CHUNK = 10_000
KINDS = ("PRELABEL", "GROUND_TRUTH")
_ATTEMPTS = 3

import_type = ObjectType("LabelImport")
import_type.set_field("createdBy", resolve_creator)
status_type = ObjectType("AnnotationStatus")
status_type.set_field("index", FieldAttr("idx"))


@status_type.field("errors")
def resolve_status_errors(status: AnnotationStatusRow, _info: GraphQLResolveInfo) -> list[str]:
    return status.errors or []


@dataclass(slots=True)
class CheckedChunk:
    """A chunk after the checks: valid annotations grouped by data row, and the failures."""

    by_row: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: index in the chunk -> (data row id, global key) for the valid ones
    rows: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    uuids: dict[int, str] = field(default_factory=dict)
    failures: dict[int, str] = field(default_factory=dict)


def check_chunk(
    ontology: OntologyIndex,
    rows: Sequence[Any],
    found: Mapping[Ref, tuple[str, str | None] | str],
    taken_uuids: dict[str, set[str]],
) -> CheckedChunk:
    """Checks every row: its shape, the ontology, its data row (`found`, from `find_rows`)
    and that its uuid is unused on that row (`taken_uuids`, updated as rows are accepted)."""
    result = CheckedChunk()
    for index, raw in enumerate(rows):
        ref = data_row_ref(raw) if isinstance(raw, dict) else "must be an object"
        if isinstance(ref, str):
            result.failures[index] = ref
            continue
        annotation, reason = ontology.check(raw)
        if annotation is None:
            result.failures[index] = str(reason)
            continue
        if "relationship" in annotation:
            result.failures[index] = "relationships are not imported; add them with createLabel"
            continue
        match = found[ref]
        if isinstance(match, str):
            result.failures[index] = match
            continue
        uuids = taken_uuids.setdefault(match[0], set())
        if annotation["uuid"] in uuids:
            result.failures[index] = f"uuid {annotation['uuid']!r} is already used on this data row"
            continue
        uuids.add(annotation["uuid"])
        annotation.pop("data_row", None)
        result.by_row.setdefault(match[0], []).append(annotation)
        result.rows[index] = match
        result.uuids[index] = annotation["uuid"]
    return result


def chunk_refs(rows: Sequence[Any]) -> set[Ref]:
    """The data rows a chunk names (well-formed references only)."""
    refs = set()
    for raw in rows:
        if isinstance(raw, dict):
            ref = data_row_ref(raw)
            if not isinstance(ref, str):
                refs.add(ref)
    return refs


def _ref_of(raw: Any) -> tuple[str | None, str | None]:
    """(data row id, global key) as the row gave them, for failures."""
    if not isinstance(raw, dict):
        return None, None
    ref = data_row_ref(raw)
    if isinstance(ref, str):
        return None, None
    return (ref[1], None) if ref[0] == "id" else (None, ref[1])


@query.field("labelImport")
async def resolve_label_import(_: None, info: GraphQLResolveInfo, id: str) -> LabelImport:
    ctx = context(info)
    async with ctx.session() as session:
        return await find_in_organization(session, ctx, LabelImport, id)


@query.field("labelImports")
async def resolve_label_imports(
    _: None,
    info: GraphQLResolveInfo,
    project_id: str,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    after_id = decode_cursor(after, "imp")
    condition = LabelImport.project_id == project_id
    async with ctx.session() as session:
        await find_in_organization(session, ctx, Project, project_id)
        rows = (
            await session.scalars(
                keyset(select(LabelImport).where(condition), LabelImport.id, limit, after_id)
            )
        ).all()
    return make_connection(rows, limit, lambda: count_where(ctx, LabelImport, condition))


def _status_cursor(index: int) -> str:
    return base64.urlsafe_b64encode(f"idx:{index}".encode()).decode().rstrip("=")


def _status_after(cursor: str | None) -> int:
    if cursor is None:
        return -1
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        prefix, _, number = text.partition(":")
        if prefix == "idx" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise validation(f"Invalid cursor: {cursor[:100]!r}")


@query.field("annotationStatuses")
async def resolve_annotation_statuses(
    _: None,
    info: GraphQLResolveInfo,
    import_id: str,
    only_errors: bool = False,
    first: int | None = None,
    after: str | None = None,
) -> Connection:
    ctx = context(info)
    limit = check_first(first)
    start = _status_after(after)
    conditions = [AnnotationStatusRow.import_id == import_id]
    if only_errors:
        conditions.append(AnnotationStatusRow.status == "FAILURE")
    async with ctx.session() as session:
        await find_in_organization(session, ctx, LabelImport, import_id)
        rows = (
            await session.scalars(
                select(AnnotationStatusRow)
                .where(*conditions, AnnotationStatusRow.idx > start)
                .order_by(AnnotationStatusRow.idx)
                .limit(limit + 1)
            )
        ).all()
    page = rows[:limit]
    edges = [Edge(row, _status_cursor(row.idx)) for row in page]
    return Connection(
        edges,
        PageInfo(len(rows) > limit, edges[-1].cursor if edges else None),
        lambda: count_where(ctx, AnnotationStatusRow, *conditions),
    )


@mutation.field("createLabelImport")
async def resolve_create_label_import(
    _: None, info: GraphQLResolveInfo, project_id: str, name: str, kind: str
) -> LabelImport:
    ctx = context(info)
    name = require_text(name, "name")
    async with ctx.transaction() as session:
        project = await find_in_organization(session, ctx, Project, project_id)
        await project_ontology(session, project)  # VALIDATION without an ontology
        now = utcnow()
        task = Task(
            id=new_id("tsk"),
            organization_id=ctx.organization_id,
            name=f"import {kind.lower().replace('_', ' ')} labels: {name}",
            status="IN_PROGRESS",
            completion_percentage=0.0,
            result=None,
            errors=[],
            failed_data_rows=[],
            created_at=now,
            updated_at=now,
        )
        label_import = LabelImport(
            id=new_id("imp"),
            organization_id=ctx.organization_id,
            project_id=project.id,
            name=name,
            kind=kind,
            state="RUNNING",
            task_id=task.id,
            annotation_count=0,
            success_count=0,
            failure_count=0,
            errors=[],
            created_by_id=ctx.principal.user_id,
            created_at=now,
            updated_at=now,
        )
        session.add(task)
        await session.flush()
        session.add(label_import)
    return label_import


async def _existing(
    session: AsyncSession, table: type[Label] | type[Prediction], import_id: str, row_ids: list[str]
) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """data row id -> (id, annotations) of what the import already wrote for these rows."""
    found: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for part in chunks(row_ids, 10_000):
        rows = await session.execute(
            select(table.data_row_id, table.id, table.payload).where(
                table.import_id == import_id, table.data_row_id.in_(part)
            )
        )
        for row_id, record_id, payload in rows:
            found[row_id] = (record_id, payload)
    return found


async def _write_chunk(
    session: AsyncSession,
    ctx: Context,
    label_import: LabelImport,
    project: Project,
    ontology: OntologyIndex,
    rows: list[Any],
    offset: int,
) -> Task:
    table: type[Label] | type[Prediction] = (
        Label if label_import.kind == "GROUND_TRUTH" else Prediction
    )
    found = await find_rows(session, ctx.organization_id, project.id, chunk_refs(rows))
    row_ids = list({match[0] for match in found.values() if not isinstance(match, str)})
    # What earlier chunks wrote for these rows: new annotations join those labels.
    existing = await _existing(session, table, label_import.id, row_ids)
    taken = {row_id: {a["uuid"] for a in payload} for row_id, (_, payload) in existing.items()}
    checked = check_chunk(ontology, rows, found, taken)
    now = utcnow()
    created: dict[str, list[dict[str, Any]]] = {}
    updated: dict[str, list[dict[str, Any]]] = {}
    new_rows = [row_id for row_id in checked.by_row if row_id not in existing]
    ids = dict(
        zip(new_rows, new_ids("lbl" if table is Label else "prd", len(new_rows)), strict=True)
    )
    records = []
    for row_id, new_items in checked.by_row.items():
        if row_id in existing:
            record_id, payload = existing[row_id]
            updated[record_id] = [*payload, *new_items]
            continue
        created[ids[row_id]] = new_items
        record: dict[str, Any] = {
            "id": ids[row_id],
            "organization_id": ctx.organization_id,
            "project_id": project.id,
            "data_row_id": row_id,
            "payload": new_items,
            "import_id": label_import.id,
            "created_by_id": ctx.principal.user_id,
            "created_at": now,
        }
        if table is Label:
            record.update(updated_at=now, is_benchmark_reference=False)
        records.append(record)
    await insert_rows(session, cast(Table, table.__table__), records)
    if updated:
        values: dict[str, Any] = {"payload": bindparam("new_payload")}
        if table is Label:
            values["updated_at"] = now
        # The Core table: executemany by id, without ORM bulk-update rules.
        core = cast(Table, table.__table__)
        await session.execute(
            update(core).where(core.c.id == bindparam("record_id")).values(**values),
            [{"record_id": key, "new_payload": payload} for key, payload in updated.items()],
        )
    if table is Label:
        await replace_label_features(session, created, fresh=True)
        if updated:
            await replace_label_features(session, updated, fresh=False)
        await move_rows(session, project.id, new_rows, INITIAL_LABELING, DONE)
        if created and await subscribed(session, ctx.organization_id, project.id, "LABEL_CREATED"):
            by_id = {value: key for key, value in ids.items()}
            for label_id, items in created.items():
                await emit(
                    session,
                    organization_id=ctx.organization_id,
                    project_id=project.id,
                    topic="LABEL_CREATED",
                    data={"id": label_id, "projectId": project.id,
                          "dataRowId": by_id[label_id], "annotations": items},
                )  # fmt: skip
        project.last_activity_time = now

    statuses = []
    failed_rows = []
    for index, raw in enumerate(rows):
        name = raw.get("name") if isinstance(raw, dict) else None
        reason = checked.failures.get(index)
        status_row: str | None
        key: str | None
        uuid: Any
        if reason is None:
            status_row, key = checked.rows[index]
            uuid = checked.uuids[index]
        else:
            status_row, key = _ref_of(raw)
            uuid = raw.get("uuid") if isinstance(raw, dict) else None
            failed_rows.append({"index": index, "globalKey": key, "dataRowId": status_row,
                                "externalId": None, "reason": reason})  # fmt: skip
        statuses.append(
            {
                "import_id": label_import.id,
                "idx": offset + index,
                "uuid": uuid if isinstance(uuid, str) else None,
                "data_row_id": status_row,
                "global_key": key,
                "name": name if isinstance(name, str) else None,
                "status": "SUCCESS" if reason is None else "FAILURE",
                "errors": None if reason is None else [reason],
            }
        )
    await insert_rows(session, cast(Table, AnnotationStatusRow.__table__), statuses)
    failures = len(failed_rows)
    await session.execute(
        update(LabelImport)
        .where(LabelImport.id == label_import.id)
        .values(
            annotation_count=LabelImport.annotation_count + len(rows),
            success_count=LabelImport.success_count + len(rows) - failures,
            failure_count=LabelImport.failure_count + failures,
            updated_at=now,
        )
    )
    task = Task(
        id=new_id("tsk"),
        organization_id=ctx.organization_id,
        name="import annotations",
        status="COMPLETE",
        completion_percentage=100.0,
        result={
            "createdCount": len(rows) - failures,
            "failedCount": failures,
            "labelsCreated": len(created),
            "labelsUpdated": len(updated),
        },
        errors=[],
        failed_data_rows=failed_rows,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    return task


@mutation.field("importAnnotations")
async def resolve_import_annotations(
    _: None, info: GraphQLResolveInfo, import_id: str, rows: Any, offset: int
) -> Task:
    ctx = context(info)
    if type(rows) is not list:
        raise validation("rows must be a JSON array of annotation objects")
    if len(rows) > MAX_CHUNK:
        raise validation(f"At most {MAX_CHUNK} annotations per call, got {len(rows)}")
    if offset < 0:
        raise validation(f"offset must be >= 0, got {offset}")
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            async with ctx.state.write_turn(), ctx.transaction() as session:
                label_import = await find_in_organization(session, ctx, LabelImport, import_id)
                if label_import.state != "RUNNING":
                    raise ApiError(
                        ErrorCode.CONFLICT,
                        f"Import {import_id!r} is {label_import.state}; it takes no more rows",
                    )
                project = await find_in_organization(session, ctx, Project, label_import.project_id)
                ontology = await project_ontology(session, project)
                return await _write_chunk(
                    session, ctx, label_import, project, ontology, rows, offset
                )
        except IntegrityError:
            # A concurrent chunk made the label of a row first; this attempt sees it.
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@mutation.field("finishLabelImport")
async def resolve_finish_label_import(
    _: None, info: GraphQLResolveInfo, id: str, error: str | None = None
) -> LabelImport:
    ctx = context(info)
    async with ctx.transaction() as session:
        label_import = await find_in_organization(session, ctx, LabelImport, id)
        if label_import.state != "RUNNING":
            return label_import
        now = utcnow()
        label_import.state = "FAILED" if error else "FINISHED"
        label_import.errors = [error[:2000]] if error else []
        label_import.updated_at = now
        task = await session.get(Task, label_import.task_id)
        if task is not None:
            task.status = "FAILED" if error else "COMPLETE"
            task.completion_percentage = 100.0
            task.errors = list(label_import.errors)
            task.result = {
                "importId": label_import.id,
                "createdCount": label_import.success_count,
                "failedCount": label_import.failure_count,
            }
            task.updated_at = now
    return label_import


@mutation.field("deleteLabelImport")
async def resolve_delete_label_import(_: None, info: GraphQLResolveInfo, id: str) -> dict[str, int]:
    ctx = context(info)
    async with ctx.state.write_turn(), ctx.transaction() as session:
        label_import = await find_in_organization(session, ctx, LabelImport, id)
        table: type[Label] | type[Prediction] = (
            Label if label_import.kind == "GROUND_TRUTH" else Prediction
        )
        if table is Label and await subscribed(
            session, ctx.organization_id, label_import.project_id, "LABEL_DELETED"
        ):
            rows = await session.execute(
                select(Label.id, Label.data_row_id).where(Label.import_id == label_import.id)
            )
            for label_id, row_id in rows.all():
                await emit(
                    session,
                    organization_id=ctx.organization_id,
                    project_id=label_import.project_id,
                    topic="LABEL_DELETED",
                    data={
                        "id": label_id,
                        "projectId": label_import.project_id,
                        "dataRowId": row_id,
                    },
                )
        await session.execute(delete(table).where(table.import_id == label_import.id))
        await session.delete(label_import)
    return {"deleted_count": 1}


def _connection_types() -> list[ObjectType]:
    types = []
    for name in ("LabelImportConnection", "AnnotationStatusConnection"):
        connection = ObjectType(name)
        connection.set_field("totalCount", resolve_total_count)
        types.append(connection)
    return types


bindables = [import_type, status_type, *_connection_types()]
