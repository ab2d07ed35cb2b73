"""`labelkit export`: a project's or a dataset's rows to a file, with a progress bar.

    labelkit export --project prj_... --out rows.ndjson
    labelkit export --project prj_... --out tasks.json --format label-studio \\
        --filter workflow_status=Done --filter "label_created_at=2026-01-01 00:00:00.."
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from .client import Client
from .errors import LabelkitError
from .resources.exports import FILTERS, PARAMS

__all__ = ["configure", "parse_filter", "run"]

FORMAT_NAMES = {"ndjson": "ndjson", "label-studio": "label_studio", "coco": "coco"}
_RANGES = ("last_activity_at", "label_created_at")
_LISTS = ("batch_ids", "data_row_ids", "global_keys")


def parse_filter(text: str, filters: dict[str, Any]) -> None:
    """One `--filter NAME=VALUE` into `filters`: ranges as `START..END` (either side may be
    empty), lists comma-separated, workflow_status as ToLabel, InReview, InRework or Done."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or name not in FILTERS:
        raise ValueError(
            f"--filter {text!r}: expected NAME=VALUE with NAME one of {', '.join(FILTERS)}"
        )
    if name in _RANGES:
        start, dots, end = value.partition("..")
        if not dots:
            raise ValueError(f"--filter {name}: expected START..END, got {value!r}")
        filters[name] = [start.strip() or None, end.strip() or None]
    elif name in _LISTS:
        filters[name] = [item.strip() for item in value.split(",") if item.strip()]
    else:
        filters[name] = value.strip()


def configure(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--project", metavar="ID", help="export this project's rows")
    source.add_argument("--dataset", metavar="ID", help="export this dataset's rows")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="where to write")
    parser.add_argument(
        "--format", choices=sorted(FORMAT_NAMES), default="ndjson", help="(default: %(default)s)"
    )
    parser.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="e.g. workflow_status=Done, global_keys=a,b, last_activity_at=2026-01-01..; repeat to AND",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        choices=PARAMS,
        metavar="NAME",
        help=f"include more per row; repeatable: {', '.join(PARAMS)}",
    )
    parser.add_argument("--all-params", action="store_true", help="every --param at once")
    parser.add_argument(
        "--snapshot", action="store_true", help="have the server write a snapshot first"
    )
    parser.add_argument("--url", help="GraphQL endpoint (default: $LABELKIT_URL, else local)")
    parser.add_argument("--api-key", help="API key (default: $LABELKIT_API_KEY)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


async def export(args: argparse.Namespace) -> int:
    filters: dict[str, Any] = {}
    for text in args.filter:
        parse_filter(text, filters)
    names = PARAMS if args.all_params else args.param
    params = {name: True for name in names}
    format_name = FORMAT_NAMES[args.format]
    if format_name == "label_studio":
        params["predictions"] = True
        params["performance_details"] = True
    started = time.perf_counter()
    async with Client(api_key=args.api_key, url=args.url) as client:
        task = await client.exports.create(
            project_id=args.project,
            dataset_id=args.dataset,
            params=params or None,
            filters=filters or None,
            snapshot=args.snapshot,
        )
        rows = await task.to_file(args.out, format=format_name, progress=not args.no_progress)
    elapsed = time.perf_counter() - started
    print(
        f"{rows:,} rows -> {args.out} ({args.format}) in {elapsed:.1f} s; export {task.id}",
        file=sys.stderr,
    )
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(export(args))
    except (ValueError, OSError, TimeoutError, LabelkitError) as error:
        print(f"labelkit export: {error}", file=sys.stderr)
        return 2
