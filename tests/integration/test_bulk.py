"""Bulk ingestion against the real server: exact counts, per-row errors, conflicts, checkpoints."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

import labelkit
from labelkit.bulk import BulkProgress


def generated_rows(count: int, prefix: str) -> Iterator[dict[str, Any]]:
    for i in range(count):
        yield {
            "row_data": f"https://example.com/{prefix}/{i}.jpg",
            "global_key": f"{prefix}-{i}",
            "external_id": f"{i}.jpg",
            "metadata": {"split": "train"},
        }


async def test_generator_in_chunks_lands_exactly(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"bulk {unique}")
    seen: list[BulkProgress] = []
    report = await client.data_rows.create_many(
        dataset.id,
        generated_rows(5_500, unique),
        chunk_size=1000,
        concurrency=3,
        progress=seen.append,
    )
    assert (report.created, report.failed, report.chunks) == (5_500, 0, 6)
    assert len(report.task_ids) == 6
    assert (await client.datasets.get(dataset.id)).row_count == 5_500
    assert seen[-1].items_done == 5_500 and seen[-1].created == 5_500
    assert [p.items_done for p in seen] == sorted(p.items_done for p in seen)

    task = await client.tasks.wait(report.task_ids[0], timeout=10)
    assert task.status == labelkit.types.TaskStatus.COMPLETE
    assert task.result["createdCount"] == 1000
    assert (await client.tasks.get(task.id)) == task


async def test_async_iterable_source(client: labelkit.Client, unique: str) -> None:
    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in generated_rows(1_200, unique):
            yield row

    dataset = await client.datasets.create(name=f"async {unique}")
    report = await client.data_rows.create_many(dataset.id, rows(), chunk_size=500)
    assert report.created == 1_200


async def test_bad_rows_are_reported_and_good_rows_land(
    client: labelkit.Client, unique: str
) -> None:
    dataset = await client.datasets.create(name=f"mixed {unique}")
    rows: list[Any] = list(generated_rows(30, unique))
    rows[3] = {"global_key": f"{unique}-no-data", "external_id": "x"}  # no row_data
    rows[7] = {**rows[7], "attachments": [{"type": "TEXT", "value": "t"}] * 6}
    rows[11] = "not a row"
    rows[12] = {**rows[12], "media_type": "HOLOGRAM"}
    rows[20] = {**rows[20], "metadata": {"split": "sideways"}}
    rows[21] = {**rows[21], "metadata": {"undeclared": 1}}
    rows[25] = {**rows[25], "bogus_field": 1}
    report = await client.data_rows.create_many(dataset.id, rows, chunk_size=8)
    failed = {error.index: error for error in report.errors}
    assert sorted(failed) == [3, 7, 11, 12, 20, 21, 25]
    assert failed[3].global_key == f"{unique}-no-data" and "row_data" in failed[3].reason
    assert "attachments" in failed[7].reason
    assert failed[20].global_key == f"{unique}-20" and "split" in failed[20].reason
    assert "undeclared" in failed[21].reason
    assert "bogus_field" in failed[25].reason
    assert report.created == 23 and report.failed == 7
    assert (await client.datasets.get(dataset.id)).row_count == 23


async def test_on_conflict_error_skip_update(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"conflicts {unique}")
    first = await client.data_rows.create_many(dataset.id, generated_rows(10, unique))
    assert first.created == 10

    again = list(generated_rows(12, unique))
    errored = await client.data_rows.create_many(dataset.id, again)
    assert (errored.created, errored.failed) == (2, 10)
    assert all("already used" in e.reason for e in errored.errors)

    skipped = await client.data_rows.create_many(dataset.id, again, on_conflict="skip")
    assert (skipped.created, skipped.skipped, skipped.failed) == (0, 12, 0)

    changed = [{**row, "external_id": "changed"} for row in again]
    updated = await client.data_rows.create_many(dataset.id, changed, on_conflict="update")
    assert (updated.created, updated.updated) == (0, 12)
    assert (await client.data_rows.get_by_global_key(f"{unique}-5")).external_id == "changed"
    assert (await client.datasets.get(dataset.id)).row_count == 12


async def test_checkpoint_rerun_sends_only_unfinished_chunks(
    client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    dataset = await client.datasets.create(name=f"checkpoint {unique}")
    checkpoint = tmp_path / "run.ckpt"
    first = await client.data_rows.create_many(
        dataset.id, generated_rows(2_000, unique), chunk_size=500, checkpoint=checkpoint
    )
    assert first.created == 2_000

    # Forget the last two chunks, as if the process had died before recording them.
    lines = checkpoint.read_text().splitlines()
    checkpoint.write_text("\n".join(lines[:3]) + "\n")
    rerun = await client.data_rows.create_many(
        dataset.id, generated_rows(2_000, unique), chunk_size=500, checkpoint=checkpoint
    )
    # Replayed under the same idempotency keys: the counts match and nothing is inserted twice.
    assert rerun.created == 2_000 and rerun.failed == 0
    assert (await client.datasets.get(dataset.id)).row_count == 2_000
    header = json.loads(lines[0])
    assert header["dataset_id"] == dataset.id

    with pytest.raises(ValueError, match="another run"):
        await client.data_rows.create_many(dataset.id, [], chunk_size=100, checkpoint=checkpoint)


async def test_plain_rerun_with_skip_is_exact(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"rerun {unique}")
    await client.data_rows.create_many(dataset.id, generated_rows(1_500, unique))
    rerun = await client.data_rows.create_many(
        dataset.id, generated_rows(1_500, unique), on_conflict="skip"
    )
    assert (rerun.created, rerun.skipped) == (0, 1_500)
    assert (await client.datasets.get(dataset.id)).row_count == 1_500


async def test_limits_are_enforced_before_sending(client: labelkit.Client) -> None:
    with pytest.raises(ValueError, match="chunk_size"):
        await client.data_rows.create_many("ds_x", [], chunk_size=10_001)
    with pytest.raises(ValueError, match="concurrency"):
        await client.data_rows.create_many("ds_x", [{"row_data": "x"}], concurrency=0)
    with pytest.raises(ValueError, match="on_conflict"):
        await client.data_rows.create_many("ds_x", [], on_conflict="merge")
    with pytest.raises(labelkit.ValidationError):
        await client.execute(
            'mutation($rows: JSON!) { importDataRows(datasetId: "ds_x", rows: $rows) { id } }',
            {"rows": [{"row_data": "x"}] * 10_001},
        )


async def test_missing_dataset_is_not_found(client: labelkit.Client) -> None:
    with pytest.raises(labelkit.NotFoundError):
        await client.data_rows.create_many("ds_missing", [{"row_data": "x"}])


async def test_global_keys_assign_lookup_clear(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"keys {unique}")
    rows = await client.data_rows.create(dataset.id, [{"row_data": f"r{i}"} for i in range(3)])
    taken = await client.data_rows.create(
        dataset.id, [{"row_data": "t", "global_key": f"taken-{unique}"}]
    )

    assigned = await client.global_keys.assign(
        [
            {"data_row_id": rows[0].id, "global_key": f"k0-{unique}"},
            {"data_row_id": rows[1].id, "global_key": f"  k1-{unique} "},
            {"data_row_id": rows[2].id, "global_key": f"taken-{unique}"},
            {"data_row_id": "dr_missing", "global_key": f"k9-{unique}"},
            {"data_row_id": rows[2].id, "global_key": ""},
        ]
    )
    assert assigned.status == labelkit.types.JobStatus.PARTIAL_SUCCESS
    assert [(r.data_row_id, r.global_key, r.sanitized) for r in assigned.results] == [
        (rows[0].id, f"k0-{unique}", False),
        (rows[1].id, f"k1-{unique}", True),
    ]
    reasons = {(e.data_row_id, e.global_key): e.error for e in assigned.errors}
    assert "already" in reasons[(rows[2].id, f"taken-{unique}")].lower()
    assert reasons[("dr_missing", f"k9-{unique}")] == "Data Row not found"
    assert reasons[(rows[2].id, "")] == "Invalid global key"

    looked = await client.global_keys.lookup([f"k1-{unique}", f"nope-{unique}", f"taken-{unique}"])
    assert looked.status == labelkit.types.JobStatus.PARTIAL_SUCCESS
    assert looked.results == [rows[1].id, "", taken[0].id]
    assert [e.global_key for e in looked.errors] == [f"nope-{unique}"]
    assert looked.errors[0].error == "Failed to find data row matching provided global key"

    cleared = await client.global_keys.clear([f"k0-{unique}", f"nope-{unique}"])
    assert cleared.status == labelkit.types.JobStatus.PARTIAL_SUCCESS
    assert cleared.results == [f"k0-{unique}"]
    assert (await client.data_rows.get(rows[0].id)).global_key is None
    assert (
        await client.global_keys.lookup([f"k0-{unique}"])
    ).status == labelkit.types.JobStatus.FAILURE


async def test_lookup_external_ids(client: labelkit.Client, unique: str) -> None:
    dataset = await client.datasets.create(name=f"external {unique}")
    rows = await client.data_rows.create(
        dataset.id,
        [
            {"row_data": "a", "external_id": f"a-{unique}"},
            {"row_data": "b", "external_id": f"a-{unique}"},
        ],
    )
    found = await client.data_rows.lookup_external_ids([f"a-{unique}", f"none-{unique}"])
    assert found == {f"a-{unique}": [rows[0].id, rows[1].id], f"none-{unique}": []}


async def test_metadata_schema(client: labelkit.Client, unique: str) -> None:
    fields = {f.name: f for f in await client.metadata_schema.list()}
    assert {"tag", "split", "captureDateTime"} <= set(fields)
    assert fields["split"].reserved and fields["split"].options == ["train", "valid", "test"]

    score = await client.metadata_schema.create(f"score_{unique}", "number")
    weather = await client.metadata_schema.create(
        f"weather_{unique}", "enum", options=["sun", "rain"]
    )
    assert score.kind == labelkit.types.MetadataKind.NUMBER and weather.options == ["sun", "rain"]
    with pytest.raises(labelkit.ConflictError):
        await client.metadata_schema.create(f"score_{unique}", "string")
    with pytest.raises(ValueError):
        await client.metadata_schema.create("no_options", "enum")

    dataset = await client.datasets.create(name=f"metadata {unique}")
    report = await client.data_rows.create_many(
        dataset.id,
        [
            {"row_data": "ok", "metadata": {f"score_{unique}": 0.5, f"weather_{unique}": "sun",
                                             "captureDateTime": "2026-01-01T10:00:00+00:00", "tag": "x"}},
            {"row_data": "bad number", "metadata": {f"score_{unique}": "high"}},
            {"row_data": "bad option", "metadata": {f"weather_{unique}": "snow"}},
            {"row_data": "bad date", "metadata": {"captureDateTime": "yesterday"}},
        ],
    )  # fmt: skip
    assert report.created == 1
    assert sorted(e.index for e in report.errors) == [1, 2, 3]
