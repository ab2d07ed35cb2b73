"""`Transport.stream_lines`: NDJSON streams read line by line, resumed after a broken connection."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import respx

import labelkit

from ._helpers import API_KEY, URL

STREAM_URL = URL.rsplit("/", 1)[0] + "/exports/exp_1/stream"


class BreakingStream(httpx.AsyncByteStream):
    """Sends `chunks`, then fails as a dropped connection does (or ends, if `fail` is False)."""

    def __init__(self, chunks: list[bytes], fail: bool = True) -> None:
        self.chunks = chunks
        self.fail = fail

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.fail:
            raise httpx.ReadError("connection reset by peer")


async def collect(client: labelkit.Client) -> list[bytes]:
    return [
        line
        async for line in client._api.stream_lines("exports/exp_1/stream", {"format": "ndjson"})
    ]


async def test_lines_split_across_chunks_and_auth(client: labelkit.Client) -> None:
    with respx.mock() as router:
        route = router.get(STREAM_URL).mock(
            return_value=httpx.Response(
                200, stream=BreakingStream([b'{"a":1}\n{"a"', b":2}\n\n", b'{"a":3}'], fail=False)
            )
        )
        assert await collect(client) == [b'{"a":1}', b'{"a":2}', b'{"a":3}']
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert dict(request.url.params) == {"format": "ndjson", "offset": "0"}


async def test_broken_stream_resumes_after_the_last_complete_line(
    client: labelkit.Client, sleeps: list[float]
) -> None:
    with respx.mock() as router:
        route = router.get(STREAM_URL).mock(
            side_effect=[
                httpx.Response(
                    200, stream=BreakingStream([b"1\n2\n3"])
                ),  # "3" is cut short: not delivered
                httpx.Response(200, stream=BreakingStream([b"3\n4\n"], fail=False)),
            ]
        )
        assert await collect(client) == [b"1", b"2", b"3", b"4"]
    assert [call.request.url.params["offset"] for call in route.calls] == ["0", "2"]
    assert len(sleeps) == 1


async def test_error_status_maps_to_the_error_hierarchy(client: labelkit.Client) -> None:
    with respx.mock() as router:
        router.get(STREAM_URL).mock(
            return_value=httpx.Response(
                404,
                json={
                    "errors": [{"message": "no such export", "extensions": {"code": "NOT_FOUND"}}]
                },
            )
        )
        with pytest.raises(labelkit.NotFoundError, match="no such export"):
            await collect(client)


async def test_gives_up_after_max_retries() -> None:
    async with labelkit.Client(api_key=API_KEY, url=URL, max_retries=2) as client:
        with respx.mock() as router:
            route = router.get(STREAM_URL).mock(side_effect=httpx.ConnectError("refused"))
            with pytest.raises(labelkit.APIConnectionError):
                await collect(client)
    assert route.call_count == 3


async def test_early_break_closes_the_stream(client: labelkit.Client) -> None:
    with respx.mock() as router:
        route = router.get(STREAM_URL).mock(
            return_value=httpx.Response(200, stream=BreakingStream([b"1\n2\n3\n"], fail=False))
        )
        lines = client._api.stream_lines("exports/exp_1/stream")
        async for line in lines:
            assert line == b"1"
            break
        await lines.aclose()  # type: ignore[attr-defined]
    assert route.call_count == 1
