"""`AsyncPaginator` against a fake page fetcher: order, shortcuts, prefetch, cancellation, errors."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator
from contextlib import aclosing
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from labelkit.errors import ServerError
from labelkit.pagination import MAX_PAGE_SIZE, AsyncPaginator

from ._helpers import ok, project_node

NEVER = "never"  # a cursor no page has


class FakeList:
    """A server-side list of `total` integers, served as Relay connections.

    The cursor of a page is the index after its last item. Records every fetch; a fetch can be
    held until released (`hold`) or made to fail (`fail_at`: the cursor, None for the first page), to control timing from a test.
    """

    def __init__(
        self, total: int, *, fail_at: str | None = NEVER, fail_on_cancel: bool = False
    ) -> None:
        self.items = list(range(total))
        self.calls: list[tuple[int, str | None]] = []
        self.fail_at = fail_at
        self.fail_on_cancel = fail_on_cancel
        self.in_flight = 0
        self.max_in_flight = 0
        self.started: dict[str | None, asyncio.Event] = {}
        self.cancelled: dict[str | None, asyncio.Event] = {}
        self.held: dict[str | None, asyncio.Event] = {}

    def hold(self, after: str | None) -> asyncio.Event:
        """Makes the fetch of the page after `after` wait until the returned event is set."""
        self.held[after] = asyncio.Event()
        return self.held[after]

    def event(self, events: dict[str | None, asyncio.Event], after: str | None) -> asyncio.Event:
        return events.setdefault(after, asyncio.Event())

    async def fetch(self, first: int, after: str | None) -> Any:
        self.calls.append((first, after))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.event(self.started, after).set()
        try:
            await asyncio.sleep(0)
            if after in self.held:
                await self.held[after].wait()
            if after == self.fail_at:
                raise ServerError("page fetch failed", status_code=500)
        except asyncio.CancelledError:
            self.event(self.cancelled, after).set()
            if self.fail_on_cancel:  # e.g. a connection that breaks while being torn down
                raise ServerError("failed while cancelled", status_code=502) from None
            raise
        finally:
            self.in_flight -= 1
        start = int(after or 0)
        nodes = self.items[start : start + first]
        end = start + len(nodes)
        return SimpleNamespace(
            edges=[SimpleNamespace(node=node) for node in nodes],
            page_info=SimpleNamespace(has_next_page=end < len(self.items), end_cursor=str(end)),
        )


async def test_iterates_every_item_across_pages_in_order():
    pages = FakeList(10)

    items = [item async for item in AsyncPaginator(pages.fetch, page_size=3)]

    assert items == list(range(10))
    assert pages.calls == [(3, None), (3, "3"), (3, "6"), (3, "9")]


async def test_pages_yields_whole_pages():
    pages = FakeList(7)

    got = [page async for page in AsyncPaginator(pages.fetch, page_size=3).pages()]

    assert [page.items for page in got] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [page.has_next_page for page in got] == [True, True, False]
    assert [page.end_cursor for page in got] == ["3", "6", "7"]


async def test_empty_list_yields_nothing_after_one_fetch():
    pages = FakeList(0)

    assert [item async for item in AsyncPaginator(pages.fetch)] == []
    assert pages.calls == [(100, None)]


async def test_first_fetches_a_single_item():
    pages = FakeList(50)

    assert await AsyncPaginator(pages.fetch, page_size=20).first() == 0
    assert pages.calls == [(1, None)]


async def test_first_of_an_empty_list_is_none():
    assert await AsyncPaginator(FakeList(0).fetch).first() is None


async def test_to_list_collects_everything():
    pages = FakeList(5)

    assert await AsyncPaginator(pages.fetch, page_size=2).to_list() == [0, 1, 2, 3, 4]
    assert len(pages.calls) == 3


async def test_to_list_with_limit_stops_fetching_once_it_has_enough():
    pages = FakeList(100)

    assert await AsyncPaginator(pages.fetch, page_size=3).to_list(limit=4) == [0, 1, 2, 3]
    assert pages.calls == [(3, None), (3, "3")]


async def test_to_list_with_limit_below_page_size_asks_for_limit_items():
    pages = FakeList(100)

    assert await AsyncPaginator(pages.fetch, page_size=50).to_list(limit=2) == [0, 1]
    assert pages.calls == [(2, None)]


async def test_to_list_with_limit_larger_than_the_list():
    assert await AsyncPaginator(FakeList(3).fetch, page_size=2).to_list(limit=10) == [0, 1, 2]


async def test_to_list_limit_zero_fetches_nothing_and_negative_is_rejected():
    pages = FakeList(3)
    paginator = AsyncPaginator(pages.fetch)

    assert await paginator.to_list(limit=0) == []
    assert pages.calls == []
    with pytest.raises(ValueError, match="limit"):
        await paginator.to_list(limit=-1)


@pytest.mark.parametrize("page_size", [0, -1, MAX_PAGE_SIZE + 1])
def test_page_size_out_of_bounds_is_rejected(page_size):
    with pytest.raises(ValueError, match="page_size must be between 1 and 1000"):
        AsyncPaginator(FakeList(1).fetch, page_size=page_size)


@pytest.mark.parametrize("page_size", [1, MAX_PAGE_SIZE])
async def test_page_size_bounds_are_accepted(page_size):
    pages = FakeList(2)

    await AsyncPaginator(pages.fetch, page_size=page_size).to_list()

    assert pages.calls[0] == (page_size, None)


async def test_prefetch_fetches_the_next_page_while_the_caller_works():
    pages = FakeList(6)
    consumed: list[int] = []

    async for page in AsyncPaginator(pages.fetch, page_size=3).pages():
        if page.has_next_page:
            # Fails with a timeout unless the next page is already being fetched.
            await asyncio.wait_for(pages.event(pages.started, page.end_cursor).wait(), 1)
        consumed.extend(page.items)

    assert consumed == list(range(6))


async def test_prefetch_stays_at_most_one_page_ahead():
    pages = FakeList(20)
    pages_received = 0
    ahead: list[int] = []
    original_fetch = pages.fetch

    async def fetch(first: int, after: str | None) -> Any:
        page_number = len(pages.calls) + 1
        ahead.append(page_number - pages_received)  # pages fetched beyond what the caller has
        return await original_fetch(first, after)

    async for _page in AsyncPaginator(fetch, page_size=2).pages():
        pages_received += 1
        for _ in range(5):  # a slow consumer: every fetch that can run, runs now
            await asyncio.sleep(0)

    assert pages_received == 10
    assert pages.max_in_flight == 1
    assert max(ahead) == 1


async def test_without_prefetch_the_next_page_waits_for_the_caller():
    pages = FakeList(6)

    async for page in AsyncPaginator(pages.fetch, page_size=3, prefetch=False).pages():
        for _ in range(5):
            await asyncio.sleep(0)
        assert page.end_cursor not in pages.started


async def test_breaking_out_early_cancels_the_prefetch():
    pages = FakeList(10)
    pages.hold("3")  # the second page never arrives on its own

    async for item in AsyncPaginator(pages.fetch, page_size=3):
        if item == 1:
            await asyncio.wait_for(pages.event(pages.started, "3").wait(), 1)
            break

    await asyncio.wait_for(pages.event(pages.cancelled, "3").wait(), 1)
    assert pages.calls == [(3, None), (3, "3")]


async def test_closing_pages_early_cancels_the_prefetch_at_once():
    pages = FakeList(10)
    pages.hold("3")

    async with aclosing(AsyncPaginator(pages.fetch, page_size=3).pages()) as iterator:
        async for _page in iterator:
            await asyncio.wait_for(pages.event(pages.started, "3").wait(), 1)
            break

    await asyncio.sleep(0)
    assert pages.event(pages.cancelled, "3").is_set()
    assert pages.in_flight == 0


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[str]]:
    """What the event loop reports, such as "Task exception was never retrieved"."""
    loop = asyncio.get_running_loop()
    reported: list[str] = []
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context["message"]))
    yield reported
    loop.set_exception_handler(previous_handler)


async def settle() -> None:
    """Lets abandoned async generators be finalized and dropped tasks be collected."""
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()
    await asyncio.sleep(0)


async def test_abandoned_prefetch_that_already_failed_is_not_reported(loop_errors):
    pages = FakeList(10, fail_at="3")

    async for item in AsyncPaginator(pages.fetch, page_size=3):
        assert item == 0
        await settle()  # the prefetch of page 2 runs and fails meanwhile
        assert pages.calls[-1] == (3, "3")
        assert pages.in_flight == 0
        break
    await settle()

    assert loop_errors == []


async def test_abandoned_prefetch_failing_on_cancel_is_not_reported(loop_errors):
    pages = FakeList(10, fail_on_cancel=True)
    pages.hold("3")

    async for _item in AsyncPaginator(pages.fetch, page_size=3):
        await asyncio.wait_for(pages.event(pages.started, "3").wait(), 1)
        break
    await asyncio.wait_for(pages.event(pages.cancelled, "3").wait(), 1)
    await settle()

    assert loop_errors == []


async def test_error_of_a_prefetched_page_surfaces_to_the_caller():
    pages = FakeList(10, fail_at="3")
    seen: list[int] = []

    with pytest.raises(ServerError, match="page fetch failed"):
        async for item in AsyncPaginator(pages.fetch, page_size=3):
            seen.append(item)

    assert seen == [0, 1, 2]


@pytest.mark.parametrize("fail_at", [None, "3"])
@pytest.mark.parametrize("prefetch", [True, False])
async def test_error_of_any_page_surfaces_to_the_caller(fail_at, prefetch):
    pages = FakeList(10, fail_at=fail_at)

    with pytest.raises(ServerError):
        await AsyncPaginator(pages.fetch, page_size=3, prefetch=prefetch).to_list()
    with pytest.raises(ServerError):
        async for _page in AsyncPaginator(pages.fetch, page_size=3, prefetch=prefetch).pages():
            pass


async def test_iterating_again_starts_from_the_first_page():
    pages = FakeList(5)
    paginator = AsyncPaginator(pages.fetch, page_size=2)

    first = [item async for item in paginator]
    second = [item async for item in paginator]

    assert first == second == [0, 1, 2, 3, 4]
    assert [after for _, after in pages.calls] == [None, "2", "4", None, "2", "4"]


async def test_resource_list_pages_through_the_api(client, api):
    def connection(nodes: list[dict[str, Any]], end: str | None, more: bool) -> httpx.Response:
        return ok(
            {
                "projects": {
                    "edges": [{"node": node} for node in nodes],
                    "pageInfo": {"hasNextPage": more, "endCursor": end},
                }
            }
        )

    api.side_effect = [
        connection([project_node(id="p1"), project_node(id="p2")], "c2", True),
        connection([project_node(id="p3")], "c3", False),
    ]

    projects = await client.projects.list(page_size=2).to_list()

    assert [project.id for project in projects] == ["p1", "p2", "p3"]
    assert [json.loads(call.request.content)["variables"] for call in api.calls] == [
        {"first": 2, "after": None},
        {"first": 2, "after": "c2"},
    ]
