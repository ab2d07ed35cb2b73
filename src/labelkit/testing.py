"""Pytest plugin: a real labelkit server on a free loopback port, for your own test suites.

Installed with labelkit (entry point `pytest11`), it provides two fixtures:

- `labelkit_server` (session scope): a `LocalServer` with `.url` and `.api_key`, serving
  a fresh temporary SQLite database; set `LABELKIT_TEST_DATABASE_URL` to use another database.
- `labelkit_client`: a `labelkit.Client` connected to it, closed after the test.

`LocalServer` also works on its own, e.g. in scripts and benchmarks:

    with LocalServer.start() as server:
        async with server.client() as client: ...
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from .client import Client

__all__ = ["LocalServer", "labelkit_client", "labelkit_server"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LocalServer:
    """A `labelkit serve` process on loopback, stopped by `stop()` or on leaving `with`."""

    url: str
    api_key: str
    database_url: str
    process: subprocess.Popen[bytes] = field(repr=False)
    log_path: Path = field(repr=False)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        database_url: str | None = None,
        *,
        extra_args: Sequence[str] = (),
        startup_timeout: float = 30.0,
    ) -> Iterator[LocalServer]:
        """Starts a server (a temporary SQLite database unless `database_url` is given)."""
        with tempfile.TemporaryDirectory(prefix="labelkit-") as workdir:
            database_url = database_url or f"sqlite+aiosqlite:///{workdir}/labelkit.db"
            port = free_port()
            api_key = f"lk_test_{secrets.token_urlsafe(16)}"
            log_path = Path(workdir) / "server.log"
            command = [
                sys.executable, "-m", "labelkit", "serve",
                "--db", database_url,
                "--host", "127.0.0.1",
                "--port", str(port),
                "--dev-key", api_key,
                "--log-level", "warning",
                *extra_args,
            ]  # fmt: skip
            with log_path.open("wb") as log:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
            server = cls(
                url=f"http://127.0.0.1:{port}/graphql",
                api_key=api_key,
                database_url=database_url,
                process=process,
                log_path=log_path,
            )
            try:
                server._wait_ready(startup_timeout)
                yield server
            finally:
                server.stop()

    def _wait_ready(self, timeout: float) -> None:
        health = self.url.rsplit("/", 1)[0] + "/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"labelkit server exited at startup:\n{self.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(health, timeout=1.0).status_code == 200:
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"labelkit server not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def client(self, **options: Any) -> Client:
        """A client for this server; use it with `async with`."""
        return Client(api_key=self.api_key, url=self.url, **options)


@pytest.fixture(scope="session")
def labelkit_server() -> Iterator[LocalServer]:
    """A real labelkit server for the whole test session."""
    with LocalServer.start(os.environ.get("LABELKIT_TEST_DATABASE_URL")) as server:
        yield server


@pytest.fixture
async def labelkit_client(labelkit_server: LocalServer) -> AsyncIterator[Client]:
    """A `labelkit.Client` connected to `labelkit_server`."""
    async with labelkit_server.client() as client:
        yield client
