"""A labeling project end to end: ontology -> project -> 250,000 rows in prioritized batches
-> priority overrides -> the order in which the server hands rows out.

Run a server (`labelkit serve`), then:

    LABELKIT_API_KEY=... python examples/project_workflow.py
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator

import labelkit
from labelkit import Classification, GlobalKey, OntologyBuilder, Option, Tool

ROWS = 250_000
URGENT = 50_000  # the first rows go into a priority-1 batch


def rows(run: str) -> Iterator[dict[str, str]]:
    for i in range(ROWS):
        yield {"row_data": f"https://example.com/street/{i}.jpg", "global_key": f"{run}-{i}"}


def ontology() -> OntologyBuilder:
    return OntologyBuilder(
        tools=[
            Tool(
                tool=Tool.Type.BBOX,
                name="vehicle",
                classifications=[
                    Classification(
                        class_type=Classification.Type.RADIO,
                        name="kind",
                        options=[Option(value="car"), Option(value="truck"), Option(value="bus")],
                    )
                ],
            ),
            Tool(tool=Tool.Type.POLYGON, name="road"),
            Tool(tool=Tool.Type.POINT, name="traffic light"),
        ],
        classifications=[
            Classification(
                class_type=Classification.Type.CHECKLIST,
                name="conditions",
                options=[Option(value="night"), Option(value="rain"), Option(value="fog")],
            )
        ],
    )


async def main() -> None:
    run = secrets.token_hex(3)
    started = time.perf_counter()
    async with labelkit.Client(timeout=120) as client:
        built = await client.ontologies.create(f"streets {run}", ontology(), media_type="image")
        assert OntologyBuilder.from_dict(built.normalized).to_dict() == built.normalized
        project = await client.projects.create(name=f"streets {run}", media_type="image")
        await client.projects.connect_ontology(project.id, built.id)
        print(f"ontology {built.id}: {built.object_schema_count} tools, "
              f"{built.classification_schema_count} classification; project {project.id}")  # fmt: skip

        dataset = await client.datasets.create(name=f"streets {run}")
        t = time.perf_counter()
        report = await client.data_rows.create_many(dataset.id, rows(run), chunk_size=5000)
        assert report.created == ROWS and report.failed == 0, report
        print(f"{ROWS:,} data rows created in {time.perf_counter() - t:.1f} s")

        keys = [f"{run}-{i}" for i in range(ROWS)]
        t = time.perf_counter()
        urgent = await client.batches.create_many(
            project.id, "urgent-", global_keys=keys[:URGENT], priority=1
        )
        bulk = await client.batches.create_many(project.id, "bulk-", global_keys=keys[URGENT:])
        print(f"batches in {time.perf_counter() - t:.1f} s: "
              f"{urgent.result['batchNames']} (priority 1), {bulk.result['batchNames']} (priority 5)")  # fmt: skip
        assert urgent.result["createdCount"] + bulk.result["createdCount"] == ROWS

        # Three rows of the low-priority batches jump the queue; lower override first.
        overrides = [
            (GlobalKey(keys[-1]), 1),
            (GlobalKey(keys[-2]), 2),
            (GlobalKey(keys[URGENT]), 3),
        ]
        await client.projects.set_labeling_overrides(project.id, overrides)

        queue = await client.projects.labeling_queue(project.id, first=6)
        handed_out = [entry.global_key for entry in queue]
        expected = [keys[-1], keys[-2], keys[URGENT], keys[0], keys[1], keys[2]]
        assert handed_out == expected, handed_out
        counts = {
            q.queue_type.value: q.data_row_count
            for q in await client.projects.task_queues(project.id)
        }
        print("queue order check passed; next rows handed out:")
        for entry in queue:
            origin = (
                f"override {entry.override_priority}" if entry.override_priority else "batch order"
            )
            print(f"  {entry.global_key:<16} batch priority {entry.batch_priority}  ({origin})")
        print(f"task queues: {counts}")
        print(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
