"""Shared fixtures of the unit suite: a mocked endpoint, a client for it, recorded sleeps."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import respx

import labelkit
from labelkit import _transport

from ._helpers import API_KEY, URL


@pytest.fixture(autouse=True)
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every retry wait, in order, in seconds; retries never really sleep in this suite."""
    recorded: list[float] = []

    async def record(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(_transport, "_sleep", record)
    return recorded


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own LABELKIT_* settings must not leak into the tests."""
    monkeypatch.delenv("LABELKIT_API_KEY", raising=False)
    monkeypatch.delenv("LABELKIT_URL", raising=False)


@pytest.fixture
def api() -> Iterator[respx.Route]:
    """The mocked GraphQL endpoint: set `.side_effect` or `.mock(...)`, then read `.calls`."""
    with respx.mock(assert_all_called=False) as router:
        yield router.post(URL)


@pytest.fixture
async def client() -> AsyncIterator[labelkit.Client]:
    async with labelkit.Client(api_key=API_KEY, url=URL) as client:
        yield client
