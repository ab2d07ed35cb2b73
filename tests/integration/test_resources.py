"""CRUD of every resource manager against the real server."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import httpx
import pytest

import labelkit
from labelkit import MediaType, QualityMode, QueueMode
from labelkit.testing import LocalServer


async def test_me_and_organization(client: labelkit.Client) -> None:
    me = await client.users.me()
    organization = await client.organization.get()
    assert me.organization.id == organization.id
    assert me.role == labelkit.UserRole.ADMIN
    users = await client.users.list().to_list()
    assert me.id in [user.id for user in users]


async def test_project_crud(client: labelkit.Client, unique: str) -> None:
    created = await client.projects.create(
        name=f"cats {unique}",
        description="first",
        media_type="video",
        quality_mode=QualityMode.CONSENSUS,
    )
    assert created.media_type == MediaType.VIDEO
    assert created.queue_mode == QueueMode.BATCH
    assert created.quality_mode == QualityMode.CONSENSUS
    assert (
        created.created_at.tzinfo is not None
        and created.created_at.utcoffset() == UTC.utcoffset(None)
    )
    me = await client.users.me()
    assert created.created_by.id == me.id

    fetched = await client.projects.get(created.id)
    assert fetched == created

    updated = await client.projects.update(created.id, description=None)
    assert updated.name == created.name and updated.description is None
    assert updated.updated_at >= created.updated_at
    renamed = await client.projects.update(created.id, name=f"dogs {unique}")
    assert renamed.name == f"dogs {unique}"

    found = await client.projects.list(name_contains=f"DOGS {unique}").to_list()
    assert [p.id for p in found] == [created.id]

    await client.projects.delete(created.id)
    with pytest.raises(labelkit.NotFoundError) as caught:
        await client.projects.get(created.id)
    assert caught.value.operation == "GetProject"
    assert caught.value.codes == ["NOT_FOUND"]
    assert caught.value.request_id
    with pytest.raises(labelkit.NotFoundError):
        await client.projects.delete(created.id)


async def test_dataset_crud(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"images {unique}", description="raw")
    assert dataset.row_count == 0
    assert (await client.datasets.get(dataset.id)).name == f"images {unique}"
    updated = await client.datasets.update(dataset.id, name=f"renamed {unique}")
    assert updated.name == f"renamed {unique}" and updated.description == "raw"
    listed = await client.datasets.list(name_contains=f"renamed {unique}").to_list()
    assert [d.id for d in listed] == [dataset.id]
    await client.datasets.delete(dataset.id)
    with pytest.raises(labelkit.NotFoundError):
        await client.datasets.get(dataset.id)


async def test_data_row_crud(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"rows {unique}")
    rows = await client.data_rows.create(
        dataset.id,
        [
            {
                "row_data": "https://example.com/a.jpg",
                "global_key": f"a-{unique}",
                "external_id": "a.jpg",
                "media_type": "image",
                "metadata": {"split": "train", "tag": "cats"},
                "attachments": [{"type": "TEXT", "value": "a caption", "name": "caption"}],
            },
            {"row_data": "plain text row"},
        ],
    )
    assert [r.row_data for r in rows] == ["https://example.com/a.jpg", "plain text row"]
    first = rows[0]
    assert first.global_key == f"a-{unique}"
    assert first.metadata == {"split": "train", "tag": "cats"}
    assert first.media_type == MediaType.IMAGE
    assert [(a.type_, a.value, a.name) for a in first.attachments] == [
        (labelkit.AttachmentType.TEXT, "a caption", "caption")
    ]
    assert rows[1].global_key is None and rows[1].metadata == {}

    assert await client.data_rows.get(first.id) == first
    assert await client.data_rows.get_by_global_key(f"a-{unique}") == first
    assert (await client.datasets.get(dataset.id)).row_count == 2

    updated = await client.data_rows.update(
        first.id, external_id="b.jpg", metadata={"split": "valid"}
    )
    assert updated.external_id == "b.jpg" and updated.metadata == {"split": "valid"}
    assert updated.global_key == f"a-{unique}"

    assert await client.data_rows.delete([first.id, rows[1].id]) == 2
    assert await client.data_rows.delete([first.id]) == 0  # deleting twice is not an error
    assert (await client.datasets.get(dataset.id)).row_count == 0
    with pytest.raises(labelkit.NotFoundError):
        await client.data_rows.get_by_global_key(f"a-{unique}")


async def test_duplicate_global_key_is_a_conflict_and_writes_nothing(
    client: labelkit.Client, unique: str
) -> None:
    dataset = await client.datasets.create(name=f"dupes {unique}")
    await client.data_rows.create(dataset.id, [{"row_data": "x", "global_key": f"k-{unique}"}])
    with pytest.raises(labelkit.ConflictError) as caught:
        await client.data_rows.create(
            dataset.id,
            [
                {"row_data": "y", "global_key": f"new-{unique}"},
                {"row_data": "z", "global_key": f"k-{unique}"},
            ],
        )
    assert f"k-{unique}" in str(caught.value)
    assert (await client.datasets.get(dataset.id)).row_count == 1  # the whole call was rolled back
    with pytest.raises(labelkit.NotFoundError):
        await client.data_rows.get_by_global_key(f"new-{unique}")


async def test_server_side_validation_errors(client: labelkit.Client, unique: str) -> None:
    with pytest.raises(labelkit.ValidationError) as caught:
        await client.projects.create(name="")
    assert caught.value.codes == ["VALIDATION"]
    with pytest.raises(labelkit.ValidationError):
        await client.data_rows.create("ds_missing", [{"row_data": ""}])
    with pytest.raises(labelkit.ValidationError):
        await client.execute("query { projects(first: 0) { edges { cursor } } }")
    with pytest.raises(labelkit.ValidationError):
        await client.execute(
            'query { projects(first: 5, after: "not-a-cursor") { edges { cursor } } }'
        )
    with pytest.raises(labelkit.ValidationError):
        await client.execute("query { nope }")


async def test_missing_rows_and_datasets_are_not_found(client: labelkit.Client) -> None:
    with pytest.raises(labelkit.NotFoundError):
        await client.data_rows.create("ds_0000000000000000000000", [{"row_data": "x"}])
    with pytest.raises(labelkit.NotFoundError):
        await client.data_rows.get("dr_missing")
    with pytest.raises(labelkit.NotFoundError):
        await client.datasets.update("ds_missing", name="x")


async def test_wrong_api_key_is_an_authentication_error(server: LocalServer) -> None:
    async with labelkit.Client(api_key="lk_wrong", url=server.url) as client:
        with pytest.raises(labelkit.AuthenticationError) as caught:
            await client.projects.list().first()
    assert caught.value.status_code == 401


async def test_upload_file_round_trip(
    client: labelkit.Client, server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello labelkit")
    url = await client.files.upload(path)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {server.api_key}"}) as http:
        response = await http.get(url)
    assert response.status_code == 200 and response.content == b"hello labelkit"
