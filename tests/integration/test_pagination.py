"""Paging over real server data: no row lost or repeated at any page size."""

from __future__ import annotations

import pytest

import labelkit

ROWS = 2_500


@pytest.fixture(scope="module")
async def dataset_with_rows(server: object) -> tuple[str, list[str]]:
    from labelkit.testing import LocalServer

    assert isinstance(server, LocalServer)
    async with server.client() as client:
        dataset = await client.datasets.create(name="paging")
        ids: list[str] = []
        for start in range(0, ROWS, 1000):
            rows = [
                {"row_data": f"row {i}", "external_id": str(i)}
                for i in range(start, min(start + 1000, ROWS))
            ]
            ids += [row.id for row in await client.data_rows.create(dataset.id, rows)]
        return dataset.id, ids


@pytest.mark.parametrize("page_size", [1000, 100, 37, 7])
async def test_every_row_once_in_creation_order(
    client: labelkit.Client, dataset_with_rows: tuple[str, list[str]], page_size: int
) -> None:
    dataset_id, ids = dataset_with_rows
    seen = [row.id async for row in client.data_rows.list(dataset_id, page_size=page_size)]
    assert seen == ids
    assert len(set(seen)) == ROWS


async def test_pages_first_and_limits(
    client: labelkit.Client, dataset_with_rows: tuple[str, list[str]]
) -> None:
    dataset_id, ids = dataset_with_rows
    paginator = client.data_rows.list(dataset_id, page_size=1000)
    sizes = [len(page.items) async for page in paginator.pages()]
    assert sizes == [1000, 1000, 500]
    first = await paginator.first()
    assert first is not None and first.id == ids[0]
    assert [row.id for row in await paginator.to_list(limit=1234)] == ids[:1234]
    assert [row.id async for row in paginator][:3] == ids[:3]  # a paginator can be iterated again


async def test_early_break_and_empty_lists(
    client: labelkit.Client, dataset_with_rows: tuple[str, list[str]]
) -> None:
    dataset_id, ids = dataset_with_rows
    taken = []
    async for row in client.data_rows.list(dataset_id, page_size=10):
        taken.append(row.id)
        if len(taken) == 15:
            break
    assert taken == ids[:15]
    empty = await client.datasets.create(name="empty")
    assert await client.data_rows.list(empty.id).first() is None
    assert await client.data_rows.list(empty.id).to_list() == []


async def test_name_filter_pages(client: labelkit.Client, unique: str) -> None:
    created = [await client.projects.create(name=f"filter-{unique}-{i}") for i in range(5)]
    await client.projects.create(name=f"other-{unique}")
    found = await client.projects.list(name_contains=f"FILTER-{unique}", page_size=2).to_list()
    assert [p.id for p in found] == [p.id for p in created]
