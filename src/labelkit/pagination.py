"""The one paginator: every `list(...)` of labelkit returns an `AsyncPaginator`.

It walks a Relay-style connection (`edges { node }`, `pageInfo { hasNextPage endCursor }`)
page by page. At most two pages are held at once: the one being consumed and the next one,
fetched in the background while the caller works, so memory is constant in the item count.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

__all__ = ["AsyncPaginator", "Page"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

MAX_PAGE_SIZE = 1000


class _PageInfo(Protocol):
    @property
    def has_next_page(self) -> bool: ...
    @property
    def end_cursor(self) -> str | None: ...


class _Edge(Protocol[T_co]):
    @property
    def node(self) -> T_co: ...


class Connection(Protocol[T_co]):
    """What every generated `...Connection` model looks like."""

    @property
    def edges(self) -> Sequence[_Edge[T_co]]: ...
    @property
    def page_info(self) -> _PageInfo: ...


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def from_connection(cls, connection: Connection[T]) -> Page[T]:
        return cls(
            items=[edge.node for edge in connection.edges],
            has_next_page=connection.page_info.has_next_page,
            end_cursor=connection.page_info.end_cursor,
        )


#: Fetches one page: (page size, cursor of the previous page or None) -> connection.
FetchPage = Callable[[int, str | None], Awaitable[Connection[T]]]


class AsyncPaginator(Generic[T]):
    """Lazy async iterator over every item of a list, fetched page by page.

    `async for item in paginator` yields items; `pages()` yields whole pages; `first()` and
    `to_list(limit)` are shortcuts. Each of them starts from the first page again, so one
    paginator can be iterated more than once.
    """

    def __init__(
        self, fetch_page: FetchPage[T], *, page_size: int = 100, prefetch: bool = True
    ) -> None:
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        self._fetch_page = fetch_page
        self.page_size = page_size
        self.prefetch = prefetch

    async def _fetch(self, size: int, after: str | None) -> Page[T]:
        return Page.from_connection(await self._fetch_page(size, after))

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Yields pages in order; the next one is fetched while the caller handles this one."""
        page = await self._fetch(self.page_size, None)
        pending: asyncio.Task[Page[T]] | None = None
        try:
            while True:
                if page.has_next_page and self.prefetch:
                    pending = asyncio.ensure_future(self._fetch(self.page_size, page.end_cursor))
                yield page
                if not page.has_next_page:
                    return
                if pending is None:
                    page = await self._fetch(self.page_size, page.end_cursor)
                else:
                    page, pending = await pending, None
        finally:
            if pending is not None:
                pending.cancel()
                # Marks a failure of the abandoned prefetch as seen.
                pending.add_done_callback(lambda task: task.cancelled() or task.exception())

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:
                yield item

    async def first(self) -> T | None:
        """The first item, or None when the list is empty. Fetches a single item."""
        page = await self._fetch(1, None)
        return page.items[0] if page.items else None

    async def to_list(self, limit: int | None = None) -> list[T]:
        """Every item (or the first `limit`) in one list: for lists known to be small."""
        if limit is not None and limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        items: list[T] = []
        if limit == 0:
            return items
        size = self.page_size if limit is None else min(self.page_size, limit)
        after: str | None = None
        while True:
            page = await self._fetch(size, after)
            items.extend(page.items)
            if limit is not None and len(items) >= limit:
                return items[:limit]
            if not page.has_next_page:
                return items
            after = page.end_cursor
