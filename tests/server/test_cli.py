from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from labelkit.cli import COMMANDS, main


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_is_a_registered_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert "serve" in COMMANDS
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--help"])
    assert exit_info.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--db", "--host", "--port", "--dev-key", "--log-level"):
        assert option in help_text


def test_serve_runs_uvicorn_and_prints_the_generated_key(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "LABELKIT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "labelkit", "serve", "--port", str(port), "--log-level", "warning"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/graphql" in banner and "cli.db" in banner
        match = re.search(r"(lk_[A-Za-z0-9_-]+)", banner)
        assert match, banner
        deadline = time.monotonic() + 15
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        assert health.json() == {"status": "ok"}
        response = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={"query": "{ me { email } }"},
            headers={"Authorization": f"Bearer {match.group(1)}"},
        )
        assert response.json() == {"data": {"me": {"email": "admin@localhost"}}}
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0
