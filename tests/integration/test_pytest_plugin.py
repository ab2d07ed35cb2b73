"""The fixtures that `labelkit.testing` registers for users' own test suites."""

from __future__ import annotations

import pytest

import labelkit
from labelkit.testing import LocalServer


async def test_labelkit_client_fixture_talks_to_labelkit_server(
    labelkit_server: LocalServer, labelkit_client: labelkit.Client
) -> None:
    assert labelkit_client.url == labelkit_server.url
    project = await labelkit_client.projects.create(name="from the plugin")
    assert (await labelkit_client.projects.get(project.id)).name == "from the plugin"
    assert labelkit_server.process.poll() is None


def test_local_server_reports_a_failed_start() -> None:
    with (
        pytest.raises(RuntimeError, match="exited at startup"),
        LocalServer.start("nosuchdriver://x"),
    ):
        pass
