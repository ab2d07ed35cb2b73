"""`labelkit ingest FILE`: data rows from a .jsonl/.ndjson/.csv file into a dataset.

Malformed lines are reported with their line numbers and skipped; the rest goes through
`client.data_rows.create_many`, with a progress bar and a final summary.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import csv
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from .bulk import BulkProgress, BulkReport
from .client import Client
from .errors import LabelkitError

__all__ = ["FORMATS", "LineError", "RowFile", "configure", "run"]

FORMATS = (".jsonl", ".ndjson", ".csv")
#: CSV columns taken as they are; `metadata.<name>` columns fill `metadata`.
CSV_FIELDS = ("row_data", "global_key", "external_id", "media_type")
SHOWN_ERRORS = 20


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str


@dataclass
class RowFile:
    """Reads rows lazily and remembers malformed lines, so a row's input index maps back to
    its line number without keeping a number per row."""

    path: Path
    errors: list[LineError] = field(default_factory=list)
    _skipped_lines: list[int] = field(default_factory=list)
    _first_row_line: int = 1

    def __post_init__(self) -> None:
        if self.path.suffix.lower() not in FORMATS:
            raise ValueError(
                f"{self.path}: unsupported format; expected one of {', '.join(FORMATS)}"
            )

    def count_lines(self) -> int:
        """Lines that may hold a row (for the progress bar's total)."""
        with self.path.open("rb") as file:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))
        return max(lines - (1 if self.path.suffix.lower() == ".csv" else 0), 0)

    def rows(self) -> Iterator[dict[str, Any]]:
        with self.path.open(newline="", encoding="utf-8") as file:
            if self.path.suffix.lower() == ".csv":
                yield from self._csv_rows(file)
            else:
                yield from self._json_rows(file)

    def line_of(self, index: int) -> int:
        """The line number of the row at `index` in the stream `rows()` produced."""
        # Blank and malformed lines were skipped: each one at or before the row's line shifts it.
        line = self._first_row_line + index
        while True:
            shifted = self._first_row_line + index + bisect.bisect_right(self._skipped_lines, line)
            if shifted == line:
                return line
            line = shifted

    def _json_rows(self, file: TextIO) -> Iterator[dict[str, Any]]:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                self._skipped_lines.append(number)
                continue
            try:
                row = json.loads(text)
            except ValueError as error:
                self._malformed(number, f"invalid JSON: {error}")
                continue
            if not isinstance(row, dict):
                self._malformed(number, f"expected a JSON object, got {type(row).__name__}")
                continue
            yield row

    def _malformed(self, line: int, reason: str) -> None:
        self.errors.append(LineError(line, reason))
        self._skipped_lines.append(line)

    def _csv_rows(self, file: TextIO) -> Iterator[dict[str, Any]]:
        reader = csv.reader(file)
        header = next(reader, None)
        if header is None:
            return
        self._first_row_line = 2
        unknown = [c for c in header if c not in CSV_FIELDS and not c.startswith("metadata.")]
        if "row_data" not in header or unknown:
            raise ValueError(
                f"{self.path}: CSV header needs row_data and may have {', '.join(CSV_FIELDS[1:])} "
                f"and metadata.<name> columns; unknown: {unknown}"
            )
        for values in reader:
            number = reader.line_num
            if not values:
                self._skipped_lines.append(number)
                continue
            if len(values) != len(header):
                self._malformed(number, f"expected {len(header)} columns, got {len(values)}")
                continue
            row: dict[str, Any] = {}
            for column, value in zip(header, values, strict=True):
                if value == "":
                    continue
                if column.startswith("metadata."):
                    row.setdefault("metadata", {})[column.removeprefix("metadata.")] = value
                else:
                    row[column] = value
            yield row


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="rows as .jsonl, .ndjson or .csv")
    parser.add_argument(
        "--dataset", required=True, metavar="NAME_OR_ID", help="dataset id (ds_...) or name"
    )
    parser.add_argument(
        "--create-dataset", action="store_true", help="create the dataset when none has that name"
    )
    parser.add_argument(
        "--chunk-size", type=int, default=1000, help="rows per request (default: %(default)s)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=4, help="requests in flight (default: %(default)s)"
    )
    parser.add_argument(
        "--checkpoint", type=Path, help="record finished chunks here; rerun to resume"
    )
    parser.add_argument("--on-conflict", choices=["error", "skip", "update"], default="error")
    parser.add_argument(
        "--errors", type=Path, metavar="FILE", help="write every failed row here as JSON lines"
    )
    parser.add_argument(
        "--url", help="GraphQL endpoint (default: $LABELKIT_URL, else the local server)"
    )
    parser.add_argument("--api-key", help="API key (default: $LABELKIT_API_KEY)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


async def resolve_dataset(client: Client, name_or_id: str, create: bool) -> str:
    if name_or_id.startswith("ds_"):
        return (await client.datasets.get(name_or_id)).id
    matches = [
        d async for d in client.datasets.list(name_contains=name_or_id) if d.name == name_or_id
    ]
    if len(matches) > 1:
        raise ValueError(f"{len(matches)} datasets are named {name_or_id!r}; pass an id instead")
    if matches:
        return matches[0].id
    if not create:
        raise ValueError(f"no dataset named {name_or_id!r} (add --create-dataset to create it)")
    # One key per name: two concurrent first runs create one dataset.
    key = f"ingest-dataset-{hashlib.sha256(name_or_id.encode()).hexdigest()[:32]}"
    return (await client.datasets.create(name=name_or_id, idempotency_key=key)).id


async def ingest(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    source = RowFile(args.file)
    total = source.count_lines()
    started = time.perf_counter()
    async with Client(api_key=args.api_key, url=args.url) as client:
        dataset_id = await resolve_dataset(client, args.dataset, args.create_dataset)
        with Progress(
            TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]} rows/s"), TimeRemainingColumn(),
            console=console, disable=args.no_progress,
        ) as bar:  # fmt: skip
            task = bar.add_task("rows", total=total, rate="0")

            def progress(state: BulkProgress) -> None:
                rate = state.items_done / max(time.perf_counter() - started, 1e-9)
                bar.update(task, completed=state.items_done, rate=f"{rate:,.0f}")

            report = await client.data_rows.create_many(
                dataset_id,
                source.rows(),
                chunk_size=args.chunk_size,
                concurrency=args.concurrency,
                on_conflict=args.on_conflict,
                checkpoint=args.checkpoint,
                progress=progress,
            )
    summarize(console, source, report, dataset_id, time.perf_counter() - started, args.errors)
    return 0 if report.failed == 0 and not source.errors else 1


def summarize(
    console: Any,
    source: RowFile,
    report: BulkReport,
    dataset_id: str,
    elapsed: float,
    errors_path: Path | None,
) -> None:
    rows = report.created + report.updated + report.skipped + report.failed
    console.print(
        f"[bold]{source.path.name}[/] -> dataset {dataset_id}: {report.created:,} created, "
        f"{report.updated:,} updated, {report.skipped:,} skipped, {report.failed:,} failed, "
        f"{len(source.errors):,} malformed lines; {rows / max(elapsed, 1e-9):,.0f} rows/s over {elapsed:.1f} s"
    )
    failures: list[dict[str, Any]] = [
        {"line": error.line, "reason": error.reason} for error in source.errors
    ] + [
        {"line": source.line_of(e.index), "index": e.index, "global_key": e.global_key,
         "external_id": e.external_id, "reason": e.reason}
        for e in report.errors
    ]  # fmt: skip
    failures.sort(key=lambda failure: int(failure["line"]))
    for failure in failures[:SHOWN_ERRORS]:
        console.print(f"  line {failure['line']}: {failure['reason']}")
    if len(failures) > SHOWN_ERRORS:
        console.print(
            f"  ... and {len(failures) - SHOWN_ERRORS:,} more"
            + ("" if errors_path else " (--errors FILE lists all)")
        )
    if errors_path is not None:
        with errors_path.open("w", encoding="utf-8") as file:
            for failure in failures:
                file.write(json.dumps(failure) + "\n")


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(ingest(args))
    except (ValueError, OSError, LabelkitError) as error:
        print(f"labelkit ingest: {error}", file=sys.stderr)
        return 2
