"""Fault injection, observed through a real uvicorn server on a loopback port."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from labelkit.cli import main
from labelkit.server import FaultPlan, create_app

from .conftest import Api

CREATE = "mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name } }"
COUNT = "query($name: String) { datasets(filter: {nameContains: $name}) { totalCount } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(app: Starlette, plan: FaultPlan) -> AsyncIterator[str]:
    """A second app on the test database, with faults, under uvicorn."""
    url = app.state.labelkit.database_url.render_as_string(hide_password=False)
    port = free_port()
    faulty = create_app(url, faults=plan)
    server = uvicorn.Server(
        uvicorn.Config(faulty, host="127.0.0.1", port=port, log_level="critical", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task


async def post(url: str, api: Api, name: str, key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {api.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            url, json={"query": CREATE, "variables": {"input": {"name": name}}}, headers=headers
        )


async def count(api: Api, name: str) -> int:
    return int((await api.data(COUNT, {"name": name}))["datasets"]["totalCount"])


def seed_for(rate: float, pattern: list[bool]) -> int:
    """A seed whose first draws are faults (True) or not (False) as in `pattern`."""
    for seed in range(10_000):
        draws = random.Random(seed)
        if [draws.random() < rate for _ in pattern] == pattern:
            return seed
    raise AssertionError("no seed found")


async def test_429_and_503_do_not_run_the_request(app: Starlette, api: Api) -> None:
    name = f"f-{uuid.uuid4().hex[:8]}"
    plan = FaultPlan({"429": 1.0}, retry_after=2.5)
    async with serve(app, plan) as url:
        response = await post(url, api, name)
    assert response.status_code == 429 and response.headers["retry-after"] == "2.5"
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    async with serve(app, FaultPlan({"503": 1.0})) as url:
        response = await post(url, api, name)
        async with httpx.AsyncClient() as client:  # only POST /graphql is faulted
            health = await client.get(url.replace("/graphql", "/healthz"))
    assert response.status_code == 503 and response.json()["errors"]
    assert health.status_code == 200
    assert await count(api, name) == 0


async def test_reset_cuts_the_connection_without_running(app: Starlette, api: Api) -> None:
    name = f"f-{uuid.uuid4().hex[:8]}"
    async with serve(app, FaultPlan({"reset": 1.0})) as url:
        with pytest.raises(httpx.TransportError):
            await post(url, api, name)
    assert await count(api, name) == 0


async def test_commit_then_drop_commits_and_the_retry_replays(app: Starlette, api: Api) -> None:
    name = f"f-{uuid.uuid4().hex[:8]}"
    key = f"test-{uuid.uuid4().hex}"
    plan = FaultPlan({"commit_then_drop": 0.5}, seed=seed_for(0.5, [True, False]))
    async with serve(app, plan) as url:
        with pytest.raises(httpx.TransportError):
            await post(url, api, name, key)
        assert await count(api, name) == 1  # written, though the client never heard
        retry = await post(url, api, name, key)
    assert retry.status_code == 200 and retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["data"]["createDataset"]["name"] == name
    assert await count(api, name) == 1


async def test_the_same_seed_gives_the_same_faults(app: Starlette, api: Api) -> None:
    spec = "429=0.3,503=0.3"

    async def statuses(seed: int) -> list[int]:
        faulty = create_app(
            app.state.labelkit.database_url.render_as_string(hide_password=False),
            faults=FaultPlan.parse(spec, seed=seed),
        )
        transport = httpx.ASGITransport(app=faulty)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            codes = []
            for _ in range(12):
                response = await client.post(
                    "/graphql",
                    json={"query": "{ me { id } }"},
                    headers={"Authorization": f"Bearer {api.api_key}"},
                )
                codes.append(response.status_code)
        await faulty.state.labelkit.shutdown()
        return codes

    first = await statuses(11)
    assert first == await statuses(11)
    assert {429, 503, 200} <= set(first)


def test_fault_specs() -> None:
    plan = FaultPlan.parse("429=0.1, 503=0.05,reset=0.05,commit_then_drop=0.05", seed=3)
    assert plan.rates == {"429": 0.1, "503": 0.05, "reset": 0.05, "commit_then_drop": 0.05}
    assert [plan.pick(x) for x in (0.0, 0.12, 0.17, 0.22, 0.25)] == [
        "429",
        "503",
        "reset",
        "commit_then_drop",
        None,
    ]
    for spec, message in (
        ("teapot=0.1", "unknown fault"),
        ("429", "KIND=PROBABILITY"),
        ("429=lots", "not a number"),
        ("429=1.5", "between 0 and 1"),
        ("429=0.6,503=0.6", "add up"),
        ("429=0.1,429=0.2", "twice"),
        ("", "no faults"),
    ):
        with pytest.raises(ValueError, match=message):
            FaultPlan.parse(spec)


def test_serve_rejects_a_bad_fault_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--faults", "429=2"]) == 2
    assert "invalid --faults" in capsys.readouterr().err
