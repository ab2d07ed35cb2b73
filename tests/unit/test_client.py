"""`labelkit.Client` configuration: API key, URL, retries, and what it passes to the transport."""

from __future__ import annotations

import pytest
import respx

import labelkit
from labelkit.errors import AuthenticationError

from ._helpers import API_KEY, URL, ok

DEFAULT_URL = "http://127.0.0.1:8080/graphql"
ME = ok({"me": {"id": "usr_1"}})


async def test_missing_api_key_says_how_to_set_one():
    with pytest.raises(AuthenticationError) as caught:
        labelkit.Client()

    message = str(caught.value)
    assert "api_key=" in message
    assert "LABELKIT_API_KEY" in message


async def test_empty_api_key_counts_as_missing(monkeypatch):
    monkeypatch.setenv("LABELKIT_API_KEY", "")

    with pytest.raises(AuthenticationError):
        labelkit.Client(api_key="")


async def test_api_key_and_url_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LABELKIT_API_KEY", "env-key")
    monkeypatch.setenv("LABELKIT_URL", "http://env.test/graphql")

    with respx.mock() as router:
        route = router.post("http://env.test/graphql").mock(return_value=ME)
        async with labelkit.Client() as client:
            await client.execute("query Me { me { id } }")

    assert client.url == "http://env.test/graphql"
    assert route.calls.last.request.headers["Authorization"] == "Bearer env-key"


async def test_arguments_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("LABELKIT_API_KEY", "env-key")
    monkeypatch.setenv("LABELKIT_URL", "http://env.test/graphql")

    with respx.mock() as router:
        route = router.post(URL).mock(return_value=ME)
        async with labelkit.Client(api_key=API_KEY, url=URL) as client:
            await client.execute("query Me { me { id } }")

    assert route.calls.last.request.headers["Authorization"] == f"Bearer {API_KEY}"


async def test_default_url_is_the_local_reference_server():
    with respx.mock() as router:
        route = router.post(DEFAULT_URL).mock(return_value=ME)
        async with labelkit.Client(api_key=API_KEY) as client:
            await client.execute("query Me { me { id } }")

    assert client.url == DEFAULT_URL
    assert route.called
    assert repr(client) == f"labelkit.Client(url={DEFAULT_URL!r})"


def test_negative_max_retries_is_rejected():
    with pytest.raises(ValueError, match="max_retries"):
        labelkit.Client(api_key=API_KEY, max_retries=-1)


@pytest.mark.parametrize("max_retries", [0, 7])
async def test_max_retries_reaches_the_retry_policy(max_retries):
    async with labelkit.Client(api_key=API_KEY, max_retries=max_retries) as client:
        assert client._api.retry.max_retries == max_retries


async def test_execute_returns_data_and_passes_variables_and_operation_name(client, api):
    api.mock(return_value=ok({"project": {"id": "prj_1"}}))

    data = await client.execute(
        "query A { a } query GetOne($id: ID!) { project(id: $id) { id } }",
        {"id": "prj_1"},
        operation_name="GetOne",
    )

    assert data == {"project": {"id": "prj_1"}}
    sent = api.calls.last.request
    assert b'"operationName":"GetOne"' in sent.content
    assert b'"variables":{"id":"prj_1"}' in sent.content
