"""Quickstart: a dataset with 5,000 rows, a project, and a walk over every row.

Run it against any labelkit server:

    labelkit serve --dev-key demo-key &
    LABELKIT_API_KEY=demo-key python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

import labelkit

ROWS = 5_000
CHUNK = 1_000  # the most one synchronous create takes


async def main() -> None:
    console = Console()
    async with labelkit.Client() as client:
        me = await client.users.me()
        console.print(f"Signed in as [bold]{me.email}[/] of [bold]{me.organization.name}[/]")

        dataset = await client.datasets.create(
            name="quickstart images", description="generated rows"
        )
        started = time.perf_counter()
        with Progress(
            TextColumn("adding rows"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=console,
        ) as progress:  # fmt: skip
            task = progress.add_task("rows", total=ROWS)
            for start in range(0, ROWS, CHUNK):
                rows = [
                    {
                        "row_data": f"https://example.com/images/{i:05d}.jpg",
                        "global_key": f"quickstart-{dataset.id}-{i:05d}",
                        "external_id": f"{i:05d}.jpg",
                        "metadata": {"split": "train" if i % 10 else "valid"},
                    }
                    for i in range(start, min(start + CHUNK, ROWS))
                ]
                await client.data_rows.create(dataset.id, rows)
                progress.advance(task, len(rows))
        added_in = time.perf_counter() - started

        project = await client.projects.create(name="quickstart project", media_type="image")

        started = time.perf_counter()
        seen = valid = 0
        async for row in client.data_rows.list(dataset.id, page_size=500):
            seen += 1
            valid += row.metadata.get("split") == "valid"
        walked_in = time.perf_counter() - started

        dataset = await client.datasets.get(dataset.id)
        one = await client.data_rows.get_by_global_key(f"quickstart-{dataset.id}-00042")
        console.print(f"Dataset [bold]{dataset.name}[/] ({dataset.id}): {dataset.row_count:,} rows")
        console.print(f"  added {ROWS:,} rows in {added_in:.2f} s ({ROWS / added_in:,.0f} rows/s)")
        console.print(
            f"  paged through {seen:,} rows in {walked_in:.2f} s, {valid:,} in the valid split"
        )
        console.print(f"  row by global key: {one.external_id} -> {one.row_data}")
        console.print(
            f"Project [bold]{project.name}[/] ({project.id}), media type {project.media_type.value}"
        )


if __name__ == "__main__":
    asyncio.run(main())
