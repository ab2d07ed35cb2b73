"""`labelkit ingest` end to end: a real process against a real server, killed and rerun."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import labelkit
from labelkit.testing import LocalServer


def ingest(server: LocalServer, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "LABELKIT_URL": server.url, "LABELKIT_API_KEY": server.api_key}
    return subprocess.Popen(
        [sys.executable, "-m", "labelkit", "ingest", "--no-progress", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_rows(path: Path, count: int, prefix: str) -> None:
    with path.open("w") as file:
        for i in range(count):
            file.write(
                json.dumps(
                    {"row_data": f"https://example.com/{i}.jpg", "global_key": f"{prefix}-{i}"}
                )
                + "\n"
            )


async def test_malformed_lines_are_reported_with_line_numbers(
    server: LocalServer, client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    path = tmp_path / "rows.ndjson"
    path.write_text(
        '{"row_data": "a"}\n'
        "{oops\n"
        '{"row_data": "b", "global_key": "' + unique + '-b"}\n'
        '{"global_key": "no-data"}\n'
        '{"row_data": "c"}\n'
    )
    errors = tmp_path / "errors.jsonl"
    process = ingest(
        server, str(path), "--dataset", f"cli {unique}", "--create-dataset", "--errors", str(errors)
    )
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert "3 created" in stderr and "1 failed" in stderr and "1 malformed lines" in stderr
    assert "line 2: invalid JSON" in stderr
    assert "line 4:" in stderr and "row_data" in stderr
    assert [json.loads(line)["line"] for line in errors.read_text().splitlines()] == [2, 4]

    [dataset] = [d async for d in client.datasets.list(name_contains=f"cli {unique}")]
    assert dataset.row_count == 3

    # A rerun with --create-dataset lands in the same dataset.
    rerun = ingest(
        server, str(path), "--dataset", f"cli {unique}", "--create-dataset", "--on-conflict", "skip"
    )
    _, stderr = rerun.communicate(timeout=60)
    assert "1 skipped" in stderr
    assert [d.id async for d in client.datasets.list(name_contains=f"cli {unique}")] == [dataset.id]


async def test_unknown_dataset_without_create_is_a_clear_error(
    server: LocalServer, tmp_path: Path
) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"row_data": "a"}\n')
    process = ingest(server, str(path), "--dataset", "does not exist")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "--create-dataset" in stderr


async def test_killed_run_resumes_from_its_checkpoint_exactly(
    server: LocalServer, client: labelkit.Client, unique: str, tmp_path: Path
) -> None:
    rows = 60_000
    path = tmp_path / "rows.jsonl"
    write_rows(path, rows, unique)
    checkpoint = tmp_path / "run.ckpt"
    dataset = await client.datasets.create(name=f"killed {unique}")
    args = (
        str(path),
        "--dataset",
        dataset.id,
        "--checkpoint",
        str(checkpoint),
        "--chunk-size",
        "500",
    )

    process = ingest(server, *args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill it once a few chunks are recorded
        if checkpoint.exists() and len(checkpoint.read_text().splitlines()) > 10:
            break
        await asyncio.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(checkpoint.read_text().splitlines()) - 1
    assert 0 < done_before < rows // 500, "the run should have been killed mid-way"

    rerun = ingest(server, *args)
    _, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert f"{rows:,} created" in stderr
    assert (await client.datasets.get(dataset.id)).row_count == rows
    looked = await client.global_keys.lookup([f"{unique}-0", f"{unique}-{rows - 1}"])
    assert "" not in looked.results
