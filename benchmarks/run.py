"""`make bench`: labelkit's performance figures, measured in one run on this machine.

Each figure is the median of several rounds; ratios compare figures of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator

import httpx

import labelkit
from labelkit.testing import LocalServer

PROJECT = {
    "id": "prj_0001",
    "name": "bench",
    "description": None,
    "mediaType": "IMAGE",
    "queueMode": "BATCH",
    "qualityMode": "BENCHMARK",
    "createdAt": "2026-01-01T00:00:00+00:00",
    "updatedAt": "2026-01-01T00:00:00+00:00",
    "lastActivityTime": None,
    "createdBy": {"id": "usr_1", "email": "a@example.com", "name": "A"},
    "numberOfLabels": 1,
    "coveragePercentage": 1.0,
    "ontologyId": None,
}
PROJECT_BODY = json.dumps({"data": {"project": PROJECT}}).encode()


def mock_transport() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=PROJECT_BODY, headers={"content-type": "application/json"}
        )

    return httpx.MockTransport(handler)


async def per_call_seconds(call: Callable[[], Awaitable[object]], calls: int) -> float:
    for _ in range(200):
        await call()
    started = time.perf_counter()
    for _ in range(calls):
        await call()
    return (time.perf_counter() - started) / calls


async def bench_call_overhead(rounds: int, calls: int) -> None:
    """`client.projects.get` against a raw httpx POST + JSON parse, both on MockTransport."""
    floor_http = httpx.AsyncClient(transport=mock_transport())
    sdk_http = httpx.AsyncClient(transport=mock_transport())
    client = labelkit.Client(api_key="bench", url="http://bench/graphql", http_client=sdk_http)
    body = {
        "query": "query GetProject($id: ID!) { project(id: $id) { id } }",
        "variables": {"id": "prj_0001"},
    }

    async def raw() -> object:
        response = await floor_http.post("http://bench/graphql", json=body)
        return response.json()["data"]["project"]

    async def sdk() -> object:
        return await client.projects.get("prj_0001")

    floors, sdks = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine noise
        floors.append(await per_call_seconds(raw, calls))
        sdks.append(await per_call_seconds(sdk, calls))
    floor, ours = statistics.median(floors), statistics.median(sdks)
    print("call overhead (httpx.MockTransport, no network)")
    print(f"  raw httpx POST + json parse   {floor * 1e6:8.1f} µs/call (median of {rounds})")
    print(f"  client.projects.get           {ours * 1e6:8.1f} µs/call")
    print(f"  ratio                         {ours / floor:8.2f}   (target <= 1.3)")
    await client.aclose()
    await floor_http.aclose()


async def bench_pagination(server: LocalServer, rows: int, rounds: int) -> None:
    """Rows per second paged out of the real server over loopback."""
    async with server.client() as client:
        dataset = await client.datasets.create(name="bench pagination")
        for start in range(0, rows, 1000):
            await client.data_rows.create(
                dataset.id,
                [
                    {"row_data": f"https://example.com/{i}.jpg", "external_id": str(i)}
                    for i in range(start, min(start + 1000, rows))
                ],
            )
        print(f"pagination over {rows:,} rows (real server, SQLite, loopback)")
        for page_size in (100, 1000):
            timings = []
            for _ in range(rounds):
                started = time.perf_counter()
                count = 0
                async for _row in client.data_rows.list(dataset.id, page_size=page_size):
                    count += 1
                timings.append(time.perf_counter() - started)
                assert count == rows, count
            median = statistics.median(timings)
            print(
                f"  page_size={page_size:<5}  {rows / median:10,.0f} rows/s  ({median:.2f} s median of {rounds})"
            )


def generated_rows(count: int, prefix: str = "img") -> Iterator[dict[str, object]]:
    for i in range(count):
        yield {
            "row_data": f"https://example.com/images/{i}.jpg",
            "global_key": f"{prefix}-{i}",
            "external_id": f"{i}.jpg",
        }


async def ingest_once(
    url: str, api_key: str, rows: int, chunk_size: int, concurrency: int
) -> dict[str, float]:
    """One `create_many` run in this process; prints nothing, returns its figures."""
    async with labelkit.Client(api_key=api_key, url=url) as client:
        dataset = await client.datasets.create(name=f"bench ingest {rows}")
        cpu, wall = time.process_time(), time.perf_counter()
        report = await client.data_rows.create_many(
            dataset.id,
            generated_rows(rows, dataset.id),
            chunk_size=chunk_size,
            concurrency=concurrency,
        )
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert report.created == rows and report.failed == 0, report
        assert (await client.datasets.get(dataset.id)).row_count == rows
    started = time.process_time()
    for _ in generated_rows(rows):
        pass
    generation = time.process_time() - started
    return {
        "rows": rows,
        "seconds": wall,
        "rows_per_s": rows / wall,
        "cpu_us_per_row": cpu / rows * 1e6,
        "generator_us_per_row": generation / rows * 1e6,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def bench_ingest(
    server: LocalServer, label: str, sizes: list[int], chunk_size: int, concurrency: int
) -> None:
    """Each size in a fresh client process, so its peak RSS is its own."""
    print(f"bulk ingest with create_many ({label}; chunk {chunk_size}, concurrency {concurrency})")
    for rows in sizes:
        output = subprocess.run(
            [sys.executable, __file__, "ingest-once", "--url", server.url, "--api-key", server.api_key,
             "--rows", str(rows), "--chunk-size", str(chunk_size), "--concurrency", str(concurrency)],
            capture_output=True, text=True,
        )  # fmt: skip
        if output.returncode != 0:
            raise SystemExit(f"ingest of {rows:,} rows failed:\n{output.stderr}")
        figures = json.loads(output.stdout)
        print(
            f"  {rows:>9,} rows  {figures['rows_per_s']:>9,.0f} rows/s  {figures['seconds']:6.1f} s  "
            f"client CPU {figures['cpu_us_per_row']:5.1f} µs/row (of which generating rows "
            f"{figures['generator_us_per_row']:.1f})  client peak RSS {figures['peak_rss_mb']:6.1f} MB"
        )


async def batches_once(url: str, api_key: str, prefix: str, rows: int) -> dict[str, float]:
    """One `batches.create_many` over `rows` existing global keys; returns its figures."""
    async with labelkit.Client(api_key=api_key, url=url) as client:
        project = await client.projects.create(name=f"bench batches {rows}")
        keys = [f"{prefix}-{i}" for i in range(rows)]
        wall = time.perf_counter()
        task = await client.batches.create_many(project.id, "bench-", global_keys=keys)
        wall = time.perf_counter() - wall
        assert task.result["createdCount"] == rows, task.result
    return {
        "rows": rows,
        "seconds": wall,
        "batches": len(task.result["batchIds"]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


async def bench_batches(server: LocalServer, label: str, rows: int) -> None:
    """`create_batches` over `rows` rows: the rows are made first, then batched from a fresh
    client process (so that its peak RSS is the batching's own)."""
    prefix = f"bb{int(time.time())}"
    async with server.client(timeout=300) as client:
        dataset = await client.datasets.create(name=f"bench batches {rows}")
        report = await client.data_rows.create_many(
            dataset.id,
            (
                {"row_data": f"https://example.com/{i}.jpg", "global_key": f"{prefix}-{i}"}
                for i in range(rows)
            ),
            chunk_size=5000,
        )
        assert report.created == rows, report
    # In a thread: the subprocess must not block the event loop (or its server client).
    completed = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, __file__, "batches-once", "--url", server.url, "--api-key", server.api_key,
         "--prefix", prefix, "--rows", str(rows)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    output = completed.stdout
    figures = json.loads(output)
    print(f"create_batches ({label}): {rows:,} rows in {figures['batches']:.0f} batches of 100,000")
    print(
        f"  {figures['seconds']:6.1f} s  {rows / figures['seconds']:>9,.0f} rows/s  "
        f"client peak RSS {figures['peak_rss_mb']:6.1f} MB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--ingest-rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--batch-rows", type=int, default=1_000_000)
    parser.add_argument("--label-rows", type=int, default=1_000_000)
    parser.add_argument(
        "--only", choices=["overhead", "pagination", "ingest", "batches", "labels"], nargs="+"
    )
    args = parser.parse_args()
    only = set(args.only or ["overhead", "pagination", "ingest", "batches", "labels"])

    if "overhead" in only:
        await bench_call_overhead(args.rounds, calls=2000)
    if "pagination" in only:
        with LocalServer.start() as server:
            await bench_pagination(server, args.rows, rounds=3)
    if "ingest" in only:
        with LocalServer.start() as server:
            bench_ingest(server, "SQLite", args.ingest_rows, chunk_size=1000, concurrency=4)
        postgres = os.environ.get("LABELKIT_TEST_POSTGRES_URL")
        if postgres:
            from labelkit.server.admin import temporary_postgres_database

            with (
                temporary_postgres_database(postgres, prefix="labelkit_bench") as url,
                LocalServer.start(url) as server,
            ):
                bench_ingest(server, "PostgreSQL", args.ingest_rows, chunk_size=1000, concurrency=4)
        else:
            print("  (set LABELKIT_TEST_POSTGRES_URL to measure PostgreSQL too)")
    if "batches" in only:
        await bench_batches_all(args.batch_rows)
    if "labels" in only:
        import bench_labels  # beside this file: label import and export figures

        await bench_labels.bench_labels(args.label_rows)


async def bench_batches_all(rows: int) -> None:
    with LocalServer.start() as server:
        await bench_batches(server, "SQLite", rows)
    postgres = os.environ.get("LABELKIT_TEST_POSTGRES_URL")
    if postgres:
        from labelkit.server.admin import temporary_postgres_database

        with (
            temporary_postgres_database(postgres, prefix="labelkit_bench") as url,
            LocalServer.start(url) as server,
        ):
            await bench_batches(server, "PostgreSQL", rows)


def batches_once_main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    for name in ("--url", "--api-key", "--prefix"):
        parser.add_argument(name, required=True)
    parser.add_argument("--rows", type=int, required=True)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(batches_once(args.url, args.api_key, args.prefix, args.rows))))


def ingest_once_main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    for name in ("--url", "--api-key"):
        parser.add_argument(name, required=True)
    for name in ("--rows", "--chunk-size", "--concurrency"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args()
    figures = asyncio.run(
        ingest_once(args.url, args.api_key, args.rows, args.chunk_size, args.concurrency)
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    if sys.argv[1:2] == ["ingest-once"]:
        ingest_once_main()
    elif sys.argv[1:2] == ["batches-once"]:
        batches_once_main()
    else:
        asyncio.run(main())
