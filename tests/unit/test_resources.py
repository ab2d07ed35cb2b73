"""Client-side validation of the resource managers: bad input fails before any request."""

from __future__ import annotations

import io
import json

import httpx
import pytest

from labelkit.types import MediaType

from ._helpers import multipart, ok, project_node

ROW = {"row_data": "https://example.com/1.jpg"}


async def test_create_rejects_more_than_1000_rows_and_points_to_create_many(client, api):
    with pytest.raises(ValueError, match="create_many"):
        await client.data_rows.create("ds_1", [ROW] * 1001)

    assert not api.called


async def test_create_accepts_exactly_1000_rows(client, api):
    api.mock(return_value=ok({"createDataRows": {"createdCount": 1000, "dataRows": []}}))

    await client.data_rows.create("ds_1", [ROW] * 1000)

    assert len(json.loads(api.calls.last.request.content)["variables"]["rows"]) == 1000


async def test_create_of_no_rows_sends_nothing(client, api):
    assert await client.data_rows.create("ds_1", []) == []
    assert not api.called


@pytest.mark.parametrize(
    ("bad_row", "error_class", "match"),
    [
        (
            {**ROW, "attachments": [{"type": "TEXT", "value": str(i)} for i in range(6)]},
            ValueError,
            r"rows\[2\] has 6 attachments",
        ),
        ({"rowdata": "https://example.com/x.jpg"}, ValueError, r"rows\[2\].*'rowdata'"),
        ("https://example.com/x.jpg", TypeError, r"rows\[2\] must be a dict"),
        ({"global_key": "no-row-data"}, ValueError, r"rows\[2\] is invalid"),
        ({**ROW, "media_type": "bogus"}, ValueError, r"rows\[2\] is invalid"),
    ],
    ids=["6-attachments", "unknown-key", "not-a-dict", "missing-row-data", "bad-media-type"],
)
async def test_create_rejects_a_bad_row_naming_its_index(client, api, bad_row, error_class, match):
    rows = [ROW, ROW, bad_row, ROW]

    with pytest.raises(error_class, match=match):
        await client.data_rows.create("ds_1", rows)

    assert not api.called


async def test_create_accepts_five_attachments(client, api):
    api.mock(return_value=ok({"createDataRows": {"createdCount": 1, "dataRows": []}}))
    attachments = [{"type": "text", "value": str(i)} for i in range(5)]

    await client.data_rows.create("ds_1", [{**ROW, "attachments": attachments}])

    assert api.call_count == 1


async def test_project_create_rejects_unknown_media_type_listing_the_choices(client, api):
    with pytest.raises(ValueError, match="media_type must be one of") as caught:
        await client.projects.create(name="p", media_type="bogus")

    assert "IMAGE" in str(caught.value)
    assert "VIDEO" in str(caught.value)
    assert "'bogus'" in str(caught.value)
    assert not api.called


@pytest.mark.parametrize("media_type", ["image", "Image", "IMAGE", MediaType.IMAGE])
async def test_project_create_accepts_media_type_by_name_in_any_case(client, api, media_type):
    api.mock(return_value=ok({"createProject": project_node()}))

    await client.projects.create(name="p", media_type=media_type)

    sent = json.loads(api.calls.last.request.content)["variables"]["input"]
    assert sent["mediaType"] == "IMAGE"


@pytest.mark.parametrize("argument", ["queue_mode", "quality_mode"])
async def test_project_create_rejects_unknown_modes(client, api, argument):
    with pytest.raises(ValueError, match=f"{argument} must be one of"):
        await client.projects.create(name="p", **{argument: "sometimes"})

    assert not api.called


@pytest.mark.parametrize("manager", ["projects", "datasets", "data_rows"])
async def test_update_without_fields_is_rejected(client, api, manager):
    with pytest.raises(ValueError, match="at least one field"):
        await getattr(client, manager).update("id_1")

    assert not api.called


async def test_update_sends_only_the_given_fields_and_none_clears(client, api):
    api.mock(return_value=ok({"updateProject": project_node()}))

    await client.projects.update("prj_1", description=None)

    variables = json.loads(api.calls.last.request.content)["variables"]
    assert variables == {"id": "prj_1", "input": {"description": None}}
    assert api.calls.last.request.headers["Idempotency-Key"].startswith("lk-")


async def test_delete_rows_dedupes_ids_and_sends_chunks_of_1000(client, api):
    api.side_effect = [
        ok({"deleteDataRows": {"deletedCount": 1000}}),
        ok({"deleteDataRows": {"deletedCount": 500}}),
    ]
    ids = [f"row_{i}" for i in range(1500)]

    deleted = await client.data_rows.delete(ids + ids[:10])

    assert deleted == 1500
    chunks = [json.loads(call.request.content)["variables"]["ids"] for call in api.calls]
    assert chunks == [ids[:1000], ids[1000:]]
    keys = {call.request.headers["Idempotency-Key"] for call in api.calls}
    assert len(keys) == 2  # one logical mutation per chunk


async def test_files_upload_of_bytes_guesses_the_content_type(client, api):
    api.mock(return_value=ok({"uploadFile": "https://files.test/a.txt"}))

    url = await client.files.upload(b"hello", filename="notes/a.txt")

    assert url == "https://files.test/a.txt"
    request = api.calls.last.request
    assert multipart(request)["0"] == ("a.txt", "text/plain", b"hello")
    assert request.headers["Idempotency-Key"].startswith("lk-")


async def test_files_upload_of_a_path_and_of_an_open_file(client, api, tmp_path):
    api.side_effect = lambda request: ok({"uploadFile": "u"})
    path = tmp_path / "cat.png"
    path.write_bytes(b"\x89PNG")

    await client.files.upload(path)
    with path.open("rb") as file:
        await client.files.upload(file)
    await client.files.upload(io.BytesIO(b"?"))

    parts = [multipart(call.request)["0"] for call in api.calls]
    assert parts == [
        ("cat.png", "image/png", b"\x89PNG"),
        ("cat.png", "image/png", b"\x89PNG"),
        ("upload.bin", "application/octet-stream", b"?"),
    ]


async def test_files_upload_is_retried_with_one_key(client, api):
    api.side_effect = [httpx.Response(503), ok({"uploadFile": "u"})]

    await client.files.upload(b"data", filename="a.bin")

    assert [multipart(call.request)["0"][2] for call in api.calls] == [b"data", b"data"]
    first, second = (call.request.headers["Idempotency-Key"] for call in api.calls)
    assert first == second
