"""Two organizations on one server never see or touch each other's rows."""

from __future__ import annotations

import pytest

import labelkit
from labelkit.testing import LocalServer


@pytest.fixture
async def other_client(server: LocalServer, unique: str) -> labelkit.Client:
    from labelkit.server.admin import create_organization

    _, api_key = await create_organization(server.database_url, f"other org {unique}")
    return labelkit.Client(api_key=api_key, url=server.url)


async def test_other_organization_cannot_see_or_touch(
    client: labelkit.Client, other_client: labelkit.Client, unique: str
) -> None:
    project = await client.projects.create(name=f"private {unique}")
    dataset = await client.datasets.create(name=f"private {unique}")
    [row] = await client.data_rows.create(
        dataset.id, [{"row_data": "x", "global_key": f"shared-{unique}"}]
    )

    async with other_client as other:
        assert (await other.organization.get()).id != (await client.organization.get()).id
        for call in (
            other.projects.get(project.id),
            other.projects.update(project.id, name="stolen"),
            other.projects.delete(project.id),
            other.datasets.get(dataset.id),
            other.datasets.update(dataset.id, name="stolen"),
            other.datasets.delete(dataset.id),
            other.data_rows.get(row.id),
            other.data_rows.get_by_global_key(f"shared-{unique}"),
            other.data_rows.update(row.id, row_data="stolen"),
            other.data_rows.create(dataset.id, [{"row_data": "intruder"}]),
        ):
            with pytest.raises(labelkit.NotFoundError):
                await call
        with pytest.raises(labelkit.NotFoundError):
            await other.data_rows.list(dataset.id).to_list()
        assert await other.data_rows.delete([row.id]) == 0
        assert f"private {unique}" not in [p.name async for p in other.projects.list()]
        assert f"private {unique}" not in [d.name async for d in other.datasets.list()]

        # Global keys are unique per organization, not across them.
        other_dataset = await other.datasets.create(name="theirs")
        [theirs] = await other.data_rows.create(
            other_dataset.id, [{"row_data": "y", "global_key": f"shared-{unique}"}]
        )
        assert theirs.id != row.id

    assert (await client.data_rows.get(row.id)).row_data == "x"
    assert (await client.projects.get(project.id)).name == f"private {unique}"
    assert (await client.datasets.get(dataset.id)).row_count == 1
