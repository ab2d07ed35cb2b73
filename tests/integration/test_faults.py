"""Exactly-once ingestion while the server injects every kind of fault."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import labelkit
from labelkit.testing import LocalServer

ROWS = 100_000
FAULTS = "429=0.05,503=0.05,reset=0.05,commit_then_drop=0.05"


@pytest.fixture(scope="module")
def faulty_server() -> Iterator[LocalServer]:
    extra = ["--faults", FAULTS, "--fault-seed", "7", "--fault-retry-after", "0"]
    with LocalServer.start(extra_args=extra) as server:
        yield server


async def test_bulk_ingest_under_faults_is_exact(faulty_server: LocalServer) -> None:
    # Enough retries that a chunk outlives a run of bad luck; backoff kept short for the test.
    retry = labelkit.RetryPolicy(max_retries=12, backoff_initial=0.01, backoff_max=0.2)
    async with faulty_server.client(max_retries=retry) as client:
        dataset = await client.datasets.create(name="faults")
        rows = (
            {"row_data": f"https://example.com/{i}.jpg", "global_key": f"fault-{i}"}
            for i in range(ROWS)
        )
        report = await client.data_rows.create_many(
            dataset.id, rows, chunk_size=1000, concurrency=4
        )

        assert (report.created, report.failed, report.chunks) == (ROWS, 0, ROWS // 1000)
        assert (await client.datasets.get(dataset.id)).row_count == ROWS
        counted = 0
        keys: set[str] = set()
        async for row in client.data_rows.list(dataset.id, page_size=1000):
            counted += 1
            assert row.global_key is not None
            keys.add(row.global_key)
        assert counted == ROWS and len(keys) == ROWS
