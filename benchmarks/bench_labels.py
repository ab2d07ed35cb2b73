"""Label import and export figures for `make bench` (`benchmarks/run.py --only labels`).

One SQLite server gets `rows` data rows in a project (batches of 100,000) and one
ground-truth annotation per row through `client.imports.create` (annotations/s). Exports
are then streamed to /dev/null by fresh client processes, so each peak RSS is the export's
own: the first batch (100,000 rows) and the whole project.
"""

from __future__ import annotations

import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import labelkit
from labelkit.testing import LocalServer

ONTOLOGY = labelkit.OntologyBuilder(
    tools=[
        labelkit.Tool(
            tool=labelkit.Tool.Type.BBOX,
            name="car",
            classifications=[
                labelkit.Classification(
                    class_type=labelkit.Classification.Type.RADIO,
                    name="color",
                    options=[labelkit.Option(value="red"), labelkit.Option(value="blue")],
                )
            ],
        )
    ]
)


def annotations(prefix: str, rows: int) -> Iterator[dict[str, Any]]:
    for i in range(rows):
        yield {
            "name": "car",
            "data_row": {"global_key": f"{prefix}-{i}"},
            "bbox": {"top": i % 500, "left": 10, "height": 40, "width": 60},
            "classifications": [{"name": "color", "answer": "red" if i % 2 else "blue"}],
        }


async def prepare(server: LocalServer, rows: int) -> tuple[str, str]:
    """A project with `rows` rows in batches; returns (project id, id of its first batch)."""
    prefix = f"lb{int(time.time())}"
    async with server.client(timeout=600) as client:
        dataset = await client.datasets.create(name=f"bench labels {rows}")
        report = await client.data_rows.create_many(
            dataset.id,
            (
                {"row_data": f"https://example.com/{i}.jpg", "global_key": f"{prefix}-{i}"}
                for i in range(rows)
            ),
            chunk_size=5000,
        )
        assert report.created == rows, report
        project = await client.projects.create(name=f"bench labels {rows}")
        ontology = await client.ontologies.create(f"bench {prefix}", ONTOLOGY)
        await client.projects.connect_ontology(project.id, ontology.id)
        task = await client.batches.create_from_dataset(project.id, dataset.id, "b")
        first_batch = task.result["batchIds"][0]

        started = time.perf_counter()
        imp = await client.imports.create(
            project.id,
            "bench",
            annotations(prefix, rows),
            "ground_truth",
            chunk_size=5000,
            concurrency=4,
            validate=True,
        )
        seconds = time.perf_counter() - started
        assert imp.info.success_count == rows, imp
    print(f"label import (SQLite): {rows:,} ground-truth annotations with client-side checks")
    print(f"  {seconds:6.1f} s  {rows / seconds:>9,.0f} annotations/s")
    return project.id, first_batch


async def export_once(
    url: str, api_key: str, project_id: str, batch_id: str | None
) -> dict[str, Any]:
    """Streams one export to /dev/null in this process; returns its figures."""
    async with labelkit.Client(api_key=api_key, url=url, timeout=600) as client:
        filters = {"batch_ids": [batch_id]} if batch_id else None
        export = await client.exports.create(project_id=project_id, filters=filters)
        started = time.perf_counter()
        rows = await export.to_file("/dev/null")
        seconds = time.perf_counter() - started
        parsed_started = time.perf_counter()
        parsed = 0
        if batch_id:  # the parsed figure on the smaller export: json.loads dominates it
            async for _row in export.stream():
                parsed += 1
        parsed_seconds = time.perf_counter() - parsed_started
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "parsed_rows_per_s": parsed / parsed_seconds if parsed else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def bench_labels(rows: int) -> None:
    with LocalServer.start() as server:
        project_id, first_batch = await prepare(server, rows)
        print(f"export streaming (SQLite server, NDJSON to /dev/null, {rows:,}-row project)")
        for batch in (first_batch, None):
            completed = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, __file__, "export-once", "--url", server.url, "--api-key",
                 server.api_key, "--project", project_id, *(["--batch", batch] if batch else [])],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            figures = json.loads(completed.stdout)
            parsed = figures["parsed_rows_per_s"]
            print(
                f"  {figures['rows']:>9,} rows  {figures['rows_per_s']:>9,.0f} rows/s  "
                f"{figures['seconds']:5.1f} s  client peak RSS {figures['peak_rss_mb']:6.1f} MB"
                + (f"  (parsed with stream(): {parsed:,.0f} rows/s)" if parsed else "")
            )


def export_once_main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    for name in ("--url", "--api-key", "--project"):
        parser.add_argument(name, required=True)
    parser.add_argument("--batch")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(export_once(args.url, args.api_key, args.project, args.batch))))


if __name__ == "__main__":
    if sys.argv[1:2] == ["export-once"]:
        export_once_main()
    else:
        asyncio.run(bench_labels(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
