"""Reading rows from files for `labelkit ingest`: formats, malformed lines, line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from labelkit.ingest import RowFile


def test_jsonl_skips_malformed_and_blank_lines_and_maps_indices_to_lines(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(
        '{"row_data": "a"}\n'  # line 1 -> index 0
        "not json\n"  # line 2
        "\n"  # line 3 (blank: skipped, not an error)
        '["a list"]\n'  # line 4
        '{"row_data": "b"}\n'  # line 5 -> index 1
        '{"row_data": "c"}\n'  # line 6 -> index 2
    )
    source = RowFile(path)
    assert [row["row_data"] for row in source.rows()] == ["a", "b", "c"]
    assert [(e.line, e.reason.split(":")[0]) for e in source.errors] == [
        (2, "invalid JSON"),
        (4, "expected a JSON object, got list"),
    ]
    assert [source.line_of(i) for i in range(3)] == [1, 5, 6]
    assert source.count_lines() == 6


def test_csv_rows_with_metadata_columns(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "row_data,global_key,metadata.split\n"
        "https://x/1.jpg,k1,train\n"
        "https://x/2.jpg,,\n"
        "too,many,columns,here\n"
        "https://x/3.jpg,k3,valid\n"
    )
    source = RowFile(path)
    rows = list(source.rows())
    assert rows == [
        {"row_data": "https://x/1.jpg", "global_key": "k1", "metadata": {"split": "train"}},
        {"row_data": "https://x/2.jpg"},
        {"row_data": "https://x/3.jpg", "global_key": "k3", "metadata": {"split": "valid"}},
    ]
    assert [e.line for e in source.errors] == [4]
    assert [source.line_of(i) for i in range(3)] == [2, 3, 5]


def test_csv_header_must_name_known_columns(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("url,caption\nx,y\n")
    with pytest.raises(ValueError, match="row_data"):
        list(RowFile(path).rows())


def test_unsupported_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported format"):
        RowFile(tmp_path / "rows.parquet")
