"""Exports: the rows of a project or a dataset as NDJSON, streamed in constant memory.

`GET /exports/{id}/stream?offset=N` sends one JSON object per line, in data row id order,
skipping the first N lines (a client resuming a broken stream). Live exports read the
database while they stream; snapshots are written to a file once and served from it.

The rows are read in keyset batches (a page of data rows, then their labels, predictions,
attachments and reviews by data row id range) and encoded without ORM objects or
graphql-core: JSON columns are spliced in as the text the database holds, strings go through
the C string encoder, and each batch is sent as one chunk. On a SQLite file the reading and
encoding run in a worker thread on a read-only connection of its own, so the event loop stays
free for other requests while an export streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy import select, text, update
from starlette.requests import Request
from starlette.responses import FileResponse, Response, StreamingResponse

from ..annotations import agreement
from .bulk_sql import timestamp_param
from .db import sqlite_path
from .errors import ErrorCode, error_body
from .models import Export, utcnow
from .request_id import request_info
from .state import ServerState

__all__ = [
    "PARAM_NAMES",
    "WORKFLOW_STATUSES",
    "ExportPlan",
    "count_rows",
    "export_stream",
    "plan_for",
    "plan_of",
    "snapshot_path",
    "start_snapshot",
]

logger = logging.getLogger("labelkit.server")

PARAM_NAMES = (
    "attachments",
    "metadata_fields",
    "data_row_details",
    "project_details",
    "label_details",
    "performance_details",
    "predictions",
)
#: API enum value -> (queue, name in exported rows)
WORKFLOW_STATUSES = {
    "TO_LABEL": ("INITIAL_LABELING", "ToLabel"),
    "IN_REVIEW": ("MANUAL_REVIEW", "InReview"),
    "IN_REWORK": ("MANUAL_REWORK", "InRework"),
    "DONE": ("DONE", "Done"),
}
_QUEUE_NAMES = {queue: name for queue, name in WORKFLOW_STATUSES.values()}
BATCH_ROWS = 10_000

# The C string encoder of json.dumps, when CPython has it.
_encode: Callable[[str], str] = json.encoder.encode_basestring


def _string(value: str | None) -> str:
    return "null" if value is None else _encode(value)


def _number(value: float | None) -> str:
    return "null" if value is None else repr(value)


# --- What an export reads --------------------------------------------------------------------


@dataclass(slots=True)
class ExportPlan:
    """The SQL of one export and how to encode its rows; the same for every batch."""

    dialect: str
    project_id: str | None
    dataset_id: str | None
    params: dict[str, bool]
    filters: dict[str, Any]
    #: Bound values shared by every statement.
    values: dict[str, Any] = field(default_factory=dict)
    conditions: list[str] = field(default_factory=list)

    def main_sql(self, *, first: bool) -> str:
        where = " AND ".join(["dr.id > :after", *self.conditions])
        page = "LIMIT :limit OFFSET :offset" if first else "LIMIT :limit"
        metadata = "CAST(dr.metadata AS TEXT)"
        columns = (
            f"dr.id, dr.global_key, dr.external_id, dr.row_data, dr.dataset_id, dr.media_type, "
            f"{metadata}, dr.created_at, dr.updated_at"
        )
        if self.project_id is None:
            return (
                f"SELECT {columns}, NULL, NULL FROM data_rows dr "
                f"WHERE dr.dataset_id = :dataset AND {where} ORDER BY dr.id {page}"
            )
        # One line per data row of the project's batches, with its active batch (if any).
        # Grouped by the index column, SQLite streams the groups in index order; PostgreSQL
        # needs dr.id in the key to select the other dr columns.
        group = "b.data_row_id" if self.dialect == "sqlite" else "b.data_row_id, dr.id"
        return (
            f"SELECT {columns}, "
            "MAX(CASE WHEN b.active THEN b.queue END), MAX(CASE WHEN b.active THEN b.batch_id END) "
            "FROM batch_rows b JOIN data_rows dr ON dr.id = b.data_row_id "
            f"WHERE b.project_id = :project AND {where.replace('dr.id > :after', 'b.data_row_id > :after')} "
            f"GROUP BY {group} {self._having()}ORDER BY b.data_row_id {page}"
        )

    @property
    def lines_in_sql(self) -> bool:
        """Whether SQLite builds each line itself (the common params; see `line_sql`)."""
        wanted = ("attachments", "label_details", "performance_details", "predictions")
        return self.dialect == "sqlite" and not any(self.params[name] for name in wanted)

    def line_sql(self, *, first: bool) -> str:
        """(data row id, the NDJSON line) per row, the line concatenated by SQLite in C: per
        row Python only fetches one string. Labels come from a correlated subquery over
        ix_labels_project_data_row, in the order they were written."""
        where = " AND ".join(["dr.id > :after", *self.conditions])
        page = "LIMIT :limit OFFSET :offset" if first else "LIMIT :limit"
        project = self.project_id is not None
        parts = [
            """'{"data_row":{"id":"' || dr.id || '","global_key":' || json_quote(dr.global_key)"""
            """ || ',"external_id":' || json_quote(dr.external_id)"""
            """ || ',"row_data":' || json_quote(dr.row_data)"""
        ]
        if self.params["data_row_details"]:
            parts.append(
                """ || ',"details":{"dataset_id":"' || dr.dataset_id || '","media_type":'"""
                """ || json_quote(dr.media_type) || ',"created_at":' || """
                + _iso_sql("dr.created_at")
                + """ || ',"updated_at":' || """
                + _iso_sql("dr.updated_at")
                + " || '}'"
            )
        if self.params["metadata_fields"]:
            parts.append(""" || ',"metadata_fields":' || COALESCE(dr.metadata, 'null')""")
        parts.append(" || '}'")
        if project and self.params["project_details"]:
            queue = "MAX(CASE WHEN b.active THEN b.queue END)"
            statuses = " ".join(
                f"WHEN '{queue_name}' THEN '\"{name}\"'"
                for queue_name, name in _QUEUE_NAMES.items()
            )
            parts.append(
                f""" || ',"project_details":{{"project_id":"{self.project_id}","workflow_status":'"""
                f""" || CASE {queue} {statuses} ELSE 'null' END"""
                """ || ',"batch_id":' || json_quote(MAX(CASE WHEN b.active THEN b.batch_id END))"""
                " || '}'"
            )
        label = (
            """'{"id":"' || l.id || '","annotations":' || l.payload || '}'"""
            if project
            else """'{"id":"' || l.id || '","project_id":"' || l.project_id || '","annotations":' || l.payload || '}'"""
        )
        row_id = "b.data_row_id" if project else "dr.id"
        scope = "l.project_id = :project AND " if project else ""
        parts.append(
            f""" || ',"labels":[' || COALESCE((SELECT group_concat({label}, ',') FROM labels l """
            f"WHERE {scope}l.data_row_id = {row_id}), '') || ']}}'"
        )
        line = "".join(parts)
        if not project:
            return (
                f"SELECT dr.id, {line} FROM data_rows dr "
                f"WHERE dr.dataset_id = :dataset AND {where} ORDER BY dr.id {page}"
            )
        return (
            f"SELECT b.data_row_id, {line} "
            "FROM batch_rows b JOIN data_rows dr ON dr.id = b.data_row_id "
            f"WHERE b.project_id = :project AND {where.replace('dr.id > :after', 'b.data_row_id > :after')} "
            f"GROUP BY b.data_row_id {self._having()}ORDER BY b.data_row_id {page}"
        )

    def _having(self) -> str:
        status = self.filters.get("workflow_status")
        if status is None:
            return ""
        return "HAVING MAX(CASE WHEN b.active THEN b.queue END) = :queue "

    def _scope(self, alias: str) -> str:
        if self.project_id is not None:
            return f"{alias}.project_id = :project AND "
        return ""

    def label_sql(self) -> str:
        details = self.params["label_details"] or self.params["performance_details"]
        # Labels of a row come in index order (the order they were written, as ids are): a
        # sort by id as well would cost a temporary B-tree per batch.
        order = "l.data_row_id, l.id" if self.dialect != "sqlite" else "l.data_row_id"
        if not details:
            return (
                "SELECT l.data_row_id, l.id, l.project_id, CAST(l.payload AS TEXT) FROM labels l "
                f"WHERE {self._scope('l')}l.data_row_id >= :low AND l.data_row_id <= :high "
                f"ORDER BY {order}"
            )
        return (
            "SELECT l.data_row_id, l.id, l.project_id, CAST(l.payload AS TEXT), l.created_at, "
            "l.updated_at, u.email, l.seconds_to_label, l.is_benchmark_reference "
            "FROM labels l LEFT JOIN users u ON u.id = l.created_by_id "
            f"WHERE {self._scope('l')}l.data_row_id >= :low AND l.data_row_id <= :high "
            f"ORDER BY {order}"
        )

    def review_sql(self) -> str:
        return (
            "SELECT l.data_row_id, r.label_id, r.score, r.created_at, u.email "
            "FROM reviews r JOIN labels l ON l.id = r.label_id "
            "LEFT JOIN users u ON u.id = r.created_by_id "
            f"WHERE {self._scope('l')}l.data_row_id >= :low AND l.data_row_id <= :high "
            "ORDER BY l.data_row_id, r.id"
        )

    def prediction_sql(self) -> str:
        return (
            "SELECT p.data_row_id, p.id, p.model_version, p.score, CAST(p.payload AS TEXT), "
            "p.import_id, p.created_at, p.project_id "
            f"FROM predictions p WHERE {self._scope('p')}"
            "p.data_row_id >= :low AND p.data_row_id <= :high ORDER BY p.data_row_id, p.id"
        )

    def attachment_sql(self) -> str:
        return (
            "SELECT data_row_id, type, value, name FROM attachments "
            "WHERE data_row_id >= :low AND data_row_id <= :high ORDER BY data_row_id, position"
        )

    def children(self) -> list[tuple[str, str]]:
        """(name, SQL) of the per-row lists this export needs."""
        wanted = [("labels", self.label_sql())]
        if self.params["label_details"]:
            wanted.append(("reviews", self.review_sql()))
        if self.params["predictions"]:
            wanted.append(("predictions", self.prediction_sql()))
        if self.params["attachments"]:
            wanted.append(("attachments", self.attachment_sql()))
        return wanted

    def count_sql(self) -> str:
        inner = self.main_sql(first=True).replace("LIMIT :limit OFFSET :offset", "")
        return f"SELECT COUNT(*) FROM ({inner}) counted"


def _list_condition(dialect: str, column: str, name: str) -> str:
    if dialect == "postgresql":
        return f"{column} = ANY(CAST(:{name} AS TEXT[]))"
    return f"{column} IN (SELECT value FROM json_each(:{name}))"


def plan_of(state: ServerState, export: Export) -> ExportPlan:
    dialect = state.engine.dialect
    return plan_for(export, dialect.name, lambda value: timestamp_param(dialect, value))


def plan_for(export: Export, dialect: str, timestamp: Callable[[datetime], Any]) -> ExportPlan:
    """The plan of a stored export; `timestamp` turns datetimes into the driver's values."""
    plan = ExportPlan(dialect, export.project_id, export.dataset_id, dict(export.params),
                      dict(export.filters))  # fmt: skip
    values = plan.values
    if export.project_id is not None:
        values["project"] = export.project_id
    else:
        values["dataset"] = export.dataset_id
    filters = export.filters

    def as_list(name: str, items: list[str]) -> None:
        values[name] = items if dialect == "postgresql" else json.dumps(items)

    if filters.get("data_row_ids") is not None:
        as_list("row_ids", filters["data_row_ids"])
        plan.conditions.append(_list_condition(dialect, "dr.id", "row_ids"))
    if filters.get("global_keys") is not None:
        as_list("keys", filters["global_keys"])
        plan.conditions.append(_list_condition(dialect, "dr.global_key", "keys"))
    if filters.get("batch_ids") is not None:
        as_list("batches", filters["batch_ids"])
        plan.conditions.append(_list_condition(dialect, "b.batch_id", "batches"))
    if filters.get("workflow_status") is not None:
        values["queue"] = WORKFLOW_STATUSES[filters["workflow_status"]][0]
    label_scope = "l.project_id = :project AND " if export.project_id is not None else ""
    for name in ("label_created_at", "last_activity_at"):
        window = filters.get(name)
        if window is None:
            continue
        bounds = []
        for edge, op in (("start", ">="), ("end", "<=")):
            if window.get(edge) is not None:
                values[f"{name}_{edge}"] = timestamp(datetime.fromisoformat(window[edge]))
                bounds.append(f"{op} :{name}_{edge}")

        def within(column: str, bounds: list[str] = bounds) -> str:
            return " AND ".join(f"{column} {bound}" for bound in bounds) or "1 = 1"

        labels = f"SELECT 1 FROM labels l WHERE l.data_row_id = dr.id AND {label_scope}"
        if name == "label_created_at":
            plan.conditions.append(f"EXISTS ({labels}{within('l.created_at')})")
        else:
            reviews = (
                "SELECT 1 FROM reviews r JOIN labels l ON l.id = r.label_id "
                f"WHERE l.data_row_id = dr.id AND {label_scope}"
            )
            plan.conditions.append(
                f"({within('dr.updated_at')} OR EXISTS ({labels}{within('l.updated_at')}) "
                f"OR EXISTS ({reviews}{within('r.updated_at')}))"
            )
    return plan


# --- Encoding ---------------------------------------------------------------------------------


def _iso_sql(column: str) -> str:
    """SQLite: a stored UTC timestamp ('YYYY-MM-DD HH:MM:SS.ffffff') as a quoted ISO 8601 string."""
    return (
        f"CASE WHEN {column} IS NULL THEN 'null' ELSE "
        f"'\"' || substr({column}, 1, 10) || 'T' || substr({column}, 12) || '+00:00\"' END"
    )


def _iso_sqlite(value: str | None) -> str:
    """SQLite holds UTC timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff'."""
    if value is None:
        return "null"
    return f'"{value[:10]}T{value[11:]}+00:00"'


def _iso_native(value: datetime | None) -> str:
    return "null" if value is None else f'"{value.isoformat()}"'


def _json_text(value: Any) -> str:
    if value is None:
        return "null"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _group(rows: Sequence[Sequence[Any]]) -> dict[str, list[Sequence[Any]]]:
    grouped: dict[str, list[Sequence[Any]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


class RowEncoder:
    """Turns a batch of data rows and their children into NDJSON bytes."""

    def __init__(self, plan: ExportPlan) -> None:
        self.plan = plan
        self.iso = _iso_sqlite if plan.dialect == "sqlite" else _iso_native
        self.with_project = plan.project_id is not None
        self.project_prefix = (
            f'"project_details":{{"project_id":"{plan.project_id}","workflow_status":'
            if self.with_project
            else ""
        )

    def encode(
        self, rows: Sequence[Sequence[Any]], children: Mapping[str, Sequence[Sequence[Any]]]
    ) -> bytes:
        params = self.plan.params
        iso = self.iso
        labels = _group(children.get("labels", ()))
        reviews = _group(children["reviews"]) if "reviews" in children else {}
        predictions = _group(children["predictions"]) if "predictions" in children else None
        attachments = _group(children["attachments"]) if "attachments" in children else None
        details = params["data_row_details"]
        metadata = params["metadata_fields"]
        project_details = params["project_details"] and self.with_project
        lines: list[str] = []
        append = lines.append
        for row in rows:
            (row_id, key, external, row_data, dataset_id, media_type, meta, created, updated,
             queue, batch_id) = row  # fmt: skip
            parts = [
                f'{{"data_row":{{"id":"{row_id}","global_key":{_string(key)},'
                f'"external_id":{_string(external)},"row_data":{_encode(row_data)}'
            ]
            if details:
                parts.append(
                    f',"details":{{"dataset_id":"{dataset_id}","media_type":{_string(media_type)},'
                    f'"created_at":{iso(created)},"updated_at":{iso(updated)}}}'
                )
            if metadata:
                parts.append(f',"metadata_fields":{_json_text(meta)}')
            if attachments is not None:
                parts.append(',"attachments":')
                parts.append(self._attachments(attachments.get(row_id, ())))
            parts.append("}")
            if project_details:
                status = _string(_QUEUE_NAMES.get(queue)) if queue is not None else "null"
                parts.append(f',{self.project_prefix}{status},"batch_id":{_string(batch_id)}}}')
            row_labels = labels.get(row_id)
            if row_labels:
                parts.append(',"labels":[')
                parts.append(self._labels(row_labels, reviews.get(row_id, ())))
                parts.append("]")
            else:
                parts.append(',"labels":[]')
            if predictions is not None:
                parts.append(',"predictions":[')
                parts.append(self._predictions(predictions.get(row_id, ())))
                parts.append("]")
            parts.append("}\n")
            append("".join(parts))
        return "".join(lines).encode()

    def _attachments(self, rows: Sequence[Sequence[Any]]) -> str:
        items = [
            f'{{"type":"{kind}","value":{_encode(value)},"name":{_string(name)}}}'
            for _, kind, value, name in rows
        ]
        return f"[{','.join(items)}]"

    def _labels(self, rows: Sequence[Sequence[Any]], reviews: Sequence[Sequence[Any]]) -> str:
        params = self.plan.params
        if not (params["label_details"] or params["performance_details"]):
            # The common case, kept to one format per label.
            if self.with_project:
                return ",".join(f'{{"id":"{row[1]}","annotations":{row[3]}}}' for row in rows)
            return ",".join(
                f'{{"id":"{row[1]}","project_id":"{row[2]}","annotations":{row[3]}}}'
                for row in rows
            )
        iso = self.iso
        by_label: dict[str, list[Sequence[Any]]] = {}
        for review in reviews:
            by_label.setdefault(review[1], []).append(review)
        performance = params["performance_details"]
        scores: dict[str, float | None] = {}
        consensus: float | None = None
        if performance:
            scores, consensus = _agreements(rows)
        items = []
        for _, label_id, project_id, payload, created, updated, email, seconds, reference in rows:
            parts = [f'{{"id":"{label_id}"']
            if not self.with_project:
                parts.append(f',"project_id":"{project_id}"')
            parts.append(f',"annotations":{payload}')
            if params["label_details"]:
                review_items = ",".join(
                    f'{{"score":{_number(score)},"created_at":{iso(at)},"created_by":{_string(by)}}}'
                    for _, _, score, at, by in by_label.get(label_id, ())
                )
                parts.append(
                    f',"label_details":{{"created_at":{iso(created)},"updated_at":{iso(updated)},'
                    f'"created_by":{_string(email)},"is_benchmark_reference":'
                    f'{"true" if reference else "false"},"reviews":[{review_items}]}}'
                )
            if performance:
                parts.append(
                    f',"performance_details":{{"seconds_to_label":{_number(seconds)},'
                    f'"benchmark_agreement":{_number(scores.get(label_id))},'
                    f'"consensus_agreement":{_number(consensus)}}}'
                )
            parts.append("}")
            items.append("".join(parts))
        return ",".join(items)

    def _predictions(self, rows: Sequence[Sequence[Any]]) -> str:
        iso = self.iso
        return ",".join(
            f'{{"id":"{prediction_id}","model_version":{_string(version)},'
            f'"score":{_number(score)},"annotations":{payload},"import_id":{_string(import_id)},'
            f'"created_at":{iso(created)}'
            + ("}" if self.with_project else f',"project_id":"{project_id}"}}')
            for _, prediction_id, version, score, payload, import_id, created, project_id in rows
        )


def _agreements(rows: Sequence[Sequence[Any]]) -> tuple[dict[str, float | None], float | None]:
    """Benchmark agreement per label and consensus agreement of the row (rows with several
    labels only: the payloads are parsed just for them)."""
    if len(rows) < 2:
        return {}, None
    payloads = {row[1]: json.loads(row[3]) for row in rows}
    reference = next((row[1] for row in rows if row[8]), None)
    scores: dict[str, float | None] = {}
    if reference is not None:
        for label_id, payload in payloads.items():
            if label_id != reference:
                scores[label_id] = agreement(payload, payloads[reference])
    items = list(payloads.values())
    pairs = [
        agreement(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))
    ]
    return scores, sum(pairs) / len(pairs)


# --- Reading ----------------------------------------------------------------------------------


def _batch_values(plan: ExportPlan, after: str, offset: int | None) -> dict[str, Any]:
    values = {**plan.values, "after": after, "limit": BATCH_ROWS}
    if offset is not None:
        values["offset"] = offset
    return values


def sqlite_batches(
    database: Path, plan: ExportPlan, offset: int
) -> Generator[tuple[bytes, int], None, None]:
    """(NDJSON bytes, row count) per batch, read from a SQLite file on a connection of its own.

    One read transaction covers the whole export, so every batch sees the same snapshot.
    """
    connection = sqlite3.connect(
        f"file:{database}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
    )
    try:
        connection.execute("BEGIN")
        if plan.lines_in_sql:
            yield from _sqlite_lines(connection, plan, offset)
            return
        encoder = RowEncoder(plan)
        children = plan.children()
        after = ""
        first = True
        while True:
            rows = connection.execute(
                plan.main_sql(first=first), _batch_values(plan, after, offset if first else None)
            ).fetchall()
            first = False
            if not rows:
                return
            bounds = {**plan.values, "low": rows[0][0], "high": rows[-1][0]}
            fetched = {name: connection.execute(sql, bounds).fetchall() for name, sql in children}
            yield encoder.encode(rows, fetched), len(rows)
            if len(rows) < BATCH_ROWS:
                return
            after = rows[-1][0]
    finally:
        connection.close()


def _sqlite_lines(
    connection: sqlite3.Connection, plan: ExportPlan, offset: int
) -> Iterator[tuple[bytes, int]]:
    after = ""
    first = True
    while True:
        values = _batch_values(plan, after, offset if first else None)
        rows = connection.execute(plan.line_sql(first=first), values).fetchall()
        first = False
        if not rows:
            return
        yield ("\n".join([row[1] for row in rows]) + "\n").encode(), len(rows)
        if len(rows) < BATCH_ROWS:
            return
        after = rows[-1][0]


async def async_batches(
    state: ServerState, plan: ExportPlan, offset: int
) -> AsyncIterator[tuple[bytes, int]]:
    """The same batches as `sqlite_batches`; on a SQLite file they are read in a worker thread,
    elsewhere through the server's engine in one repeatable-read transaction."""
    database = sqlite_path(state.database_url)
    if plan.dialect == "sqlite" and database is not None:
        batches = sqlite_batches(database, plan, offset)
        done = object()

        def produce() -> asyncio.Future[Any]:
            return asyncio.ensure_future(anyio.to_thread.run_sync(next, batches, done))

        # One batch ahead: the thread reads the next batch while this one is being sent.
        pending: asyncio.Future[Any] | None = produce()
        try:
            while pending is not None:
                item = await pending
                pending = None
                if item is done:
                    return
                pending = produce()
                yield item
        finally:
            if pending is not None:
                with contextlib.suppress(Exception):
                    await pending  # a generator cannot be closed while a thread runs it
            await anyio.to_thread.run_sync(batches.close)
    encoder = RowEncoder(plan)
    children = plan.children()
    async with state.engine.connect() as connection:
        if plan.dialect == "postgresql":
            await connection.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            after = ""
            first = True
            while True:
                values = _batch_values(plan, after, offset if first else None)
                rows = (await connection.execute(text(plan.main_sql(first=first)), values)).all()
                first = False
                if not rows:
                    return
                bounds = {**plan.values, "low": rows[0][0], "high": rows[-1][0]}
                fetched = {
                    name: (await connection.execute(text(sql), bounds)).all()
                    for name, sql in children
                }
                yield encoder.encode(rows, fetched), len(rows)
                if len(rows) < BATCH_ROWS:
                    return
                after = rows[-1][0]


async def count_rows(state: ServerState, plan: ExportPlan) -> int:
    async with state.engine.connect() as connection:
        values = {**plan.values, "after": ""}
        return int((await connection.execute(text(plan.count_sql()), values)).scalar_one())


# --- Snapshots --------------------------------------------------------------------------------


def snapshot_path(state: ServerState, organization_id: str, export_id: str) -> Path:
    return state.files.root / "exports" / organization_id / f"{export_id}.ndjson"


_running: set[asyncio.Task[None]] = set()


def start_snapshot(
    state: ServerState, export_id: str, plan: ExportPlan, organization_id: str
) -> None:
    """Writes the snapshot in the background; call after the export's row has committed."""
    task = asyncio.ensure_future(_write_snapshot(state, export_id, plan, organization_id))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _set_status(state: ServerState, export_id: str, **values: Any) -> bool:
    """Updates the export; False when it was deleted meanwhile."""
    async with state.sessions.begin() as session:
        result = await session.execute(
            update(Export).where(Export.id == export_id).values(**values)
        )
    return bool(getattr(result, "rowcount", 1))


async def _write_snapshot(
    state: ServerState, export_id: str, plan: ExportPlan, organization_id: str
) -> None:
    path = snapshot_path(state, organization_id, export_id)
    partial = path.with_suffix(".partial")
    try:
        await _set_status(state, export_id, status="IN_PROGRESS")
        await anyio.to_thread.run_sync(lambda: path.parent.mkdir(parents=True, exist_ok=True))
        rows = 0
        with partial.open("wb") as out:
            async for chunk, count in async_batches(state, plan, 0):
                await anyio.to_thread.run_sync(out.write, chunk)
                rows += count
        partial.replace(path)
        if not await _set_status(
            state, export_id, status="COMPLETED", row_count=rows, finished_at=utcnow()
        ):
            path.unlink(missing_ok=True)  # deleted while it was being written
    except Exception as error:  # the export records why; the server goes on
        logger.exception("snapshot export %s failed", export_id)
        partial.unlink(missing_ok=True)
        await _set_status(
            state,
            export_id,
            status="FAILED",
            errors=[f"the snapshot could not be written: {type(error).__name__}"],
            finished_at=utcnow(),
        )


# --- The stream endpoint ----------------------------------------------------------------------


def _error(code: ErrorCode, status: int, message: str, request_id: str | None) -> Response:
    return Response(
        error_body(code, message, request_id), status_code=status, media_type="application/json"
    )


def _skip_lines(path: Path, offset: int) -> Iterator[bytes]:
    """The file from the start of line `offset` on, in 1 MiB chunks."""
    with path.open("rb") as source:
        while offset > 0:
            chunk = source.read(1 << 20)
            if not chunk:
                return
            count = chunk.count(b"\n")
            if count < offset:
                offset -= count
                continue
            position = -1
            for _ in range(offset):
                position = chunk.index(b"\n", position + 1)
            rest = chunk[position + 1 :]
            if rest:
                yield rest
            break
        while chunk := source.read(1 << 20):
            yield chunk


async def export_stream(request: Request) -> Response:
    """GET /exports/{export_id}/stream?offset=N: the export's NDJSON, from line N on."""
    info = request_info(request.scope)
    principal = info.principal
    assert principal is not None, "AuthMiddleware runs before this endpoint"
    state: ServerState = request.app.state.labelkit
    export_id = request.path_params["export_id"]
    raw_offset = request.query_params.get("offset", "0")
    if not raw_offset.isdigit():
        return _error(
            ErrorCode.VALIDATION,
            400,
            f"offset must be an integer >= 0, got {raw_offset!r}",
            info.request_id,
        )
    offset = int(raw_offset)
    async with state.sessions() as session:
        export = await session.scalar(
            select(Export).where(
                Export.id == export_id, Export.organization_id == principal.organization_id
            )
        )
    if export is None:
        return _error(ErrorCode.NOT_FOUND, 404, f"Export {export_id!r} not found", info.request_id)
    headers = (
        {"x-labelkit-row-count": str(export.row_count)} if export.row_count is not None else {}
    )
    if export.snapshot:
        if export.status != "COMPLETED":
            reason = "; ".join(export.errors) if export.status == "FAILED" else ""
            message = f"Snapshot {export_id!r} is {export.status}" + (
                f": {reason}" if reason else ""
            )
            return _error(ErrorCode.CONFLICT, 409, message, info.request_id)
        path = snapshot_path(state, principal.organization_id, export_id)
        if offset == 0:
            return FileResponse(path, media_type="application/x-ndjson", headers=headers)
        return StreamingResponse(
            _threaded(_skip_lines(path, offset)), media_type="application/x-ndjson", headers=headers
        )
    plan = plan_of(state, export)

    async def body() -> AsyncIterator[bytes]:
        async for chunk, _count in async_batches(state, plan, offset):
            yield chunk

    return StreamingResponse(body(), media_type="application/x-ndjson", headers=headers)


async def _threaded(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    done = object()
    while True:
        chunk = await anyio.to_thread.run_sync(next, chunks, done)
        if chunk is done:
            return
        assert isinstance(chunk, bytes)
        yield chunk
