"""Integration tests: the SDK against a real `labelkit serve` process over loopback.

Runs on SQLite always, and on PostgreSQL too when LABELKIT_TEST_POSTGRES_URL is set
(each session gets a database of its own there, dropped at the end).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

import labelkit
from labelkit.testing import LocalServer

POSTGRES_URL = os.environ.get("LABELKIT_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", *(["postgresql"] if POSTGRES_URL else [])]


@pytest.fixture(scope="session", params=BACKENDS)
def server(request: pytest.FixtureRequest) -> Iterator[LocalServer]:
    if request.param == "sqlite":
        with LocalServer.start() as local:
            yield local
        return
    from labelkit.server.admin import temporary_postgres_database

    assert POSTGRES_URL is not None
    with (
        temporary_postgres_database(POSTGRES_URL, prefix="labelkit_it") as database_url,
        LocalServer.start(database_url) as local,
    ):
        yield local


@pytest.fixture
async def client(server: LocalServer) -> AsyncIterator[labelkit.Client]:
    async with server.client() as client:
        yield client


@pytest.fixture
def unique() -> str:
    """A suffix that keeps names and global keys of one test apart from the others."""
    return secrets.token_hex(4)
