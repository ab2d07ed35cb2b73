"""`make bench`: labelkit's performance figures, measured in one run on this machine.

Each figure is the median of several rounds; ratios compare figures of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

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


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()

    await bench_call_overhead(args.rounds, calls=2000)
    with LocalServer.start() as server:
        await bench_pagination(server, args.rows, rounds=3)


if __name__ == "__main__":
    asyncio.run(main())
