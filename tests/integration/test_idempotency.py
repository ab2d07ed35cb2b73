"""Retried mutations are replayed by the server, never applied twice."""

from __future__ import annotations

import asyncio

import pytest

import labelkit


async def test_same_key_replays_the_first_creation(client: labelkit.Client, unique: str) -> None:
    key = f"create-{unique}"
    first = await client.projects.create(name=f"once {unique}", idempotency_key=key)
    again = await client.projects.create(name=f"once {unique}", idempotency_key=key)
    assert again == first
    assert [p.id async for p in client.projects.list(name_contains=f"once {unique}")] == [first.id]


async def test_same_key_with_another_body_is_a_conflict(
    client: labelkit.Client, unique: str
) -> None:
    key = f"conflict-{unique}"
    await client.datasets.create(name=f"a {unique}", idempotency_key=key)
    with pytest.raises(labelkit.ConflictError):
        await client.datasets.create(name=f"b {unique}", idempotency_key=key)


async def test_concurrent_retries_create_one_object(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"concurrent {unique}")
    rows = [{"row_data": f"r{i}", "global_key": f"c-{unique}-{i}"} for i in range(200)]
    results = await asyncio.gather(
        *(
            client.data_rows.create(dataset.id, rows, idempotency_key=f"rows-{unique}")
            for _ in range(5)
        )
    )
    assert all([r.id for r in result] == [r.id for r in results[0]] for result in results)
    assert (await client.datasets.get(dataset.id)).row_count == 200


async def test_raw_execute_with_idempotency_key(client: labelkit.Client, unique: str) -> None:
    mutation = "mutation Make($input: CreateDatasetInput!) { createDataset(input: $input) { id } }"
    variables = {"input": {"name": f"raw {unique}"}}
    first = await client.execute(mutation, variables, idempotency_key=f"raw-{unique}")
    second = await client.execute(mutation, variables, idempotency_key=f"raw-{unique}")
    assert first == second
