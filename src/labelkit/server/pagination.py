"""Keyset pagination over string ids: `WHERE id > :after ORDER BY id LIMIT first + 1`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import QueryableAttribute

from .errors import validation
from .ids import ID_PATTERN

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Connection",
    "Edge",
    "PageInfo",
    "check_first",
    "decode_cursor",
    "encode_cursor",
    "keyset",
    "make_connection",
]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")


@dataclass(slots=True)
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@dataclass(slots=True)
class Edge:
    node: Any
    cursor: str


@dataclass(slots=True)
class Connection:
    edges: list[Edge]
    page_info: PageInfo
    #: Runs only when a client selects `totalCount` (see `resolve_total_count`).
    count: Callable[[], Awaitable[int]]


def check_first(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 1 <= first <= MAX_PAGE_SIZE:
        raise validation(f"first must be between 1 and {MAX_PAGE_SIZE}, got {first}")
    return first


def encode_cursor(object_id: str) -> str:
    return base64.urlsafe_b64encode(object_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, prefix: str) -> str | None:
    """The id a cursor points at; a cursor that is not one of ours is a VALIDATION error."""
    if cursor is None:
        return None
    try:
        object_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        object_id = ""
    if not (ID_PATTERN.fullmatch(object_id) and object_id.startswith(f"{prefix}_")):
        raise validation(f"Invalid cursor: {cursor[:100]!r}")
    return object_id


def keyset(
    statement: Select[T], id_column: QueryableAttribute[str], first: int, after: str | None
) -> Select[T]:
    """One page plus one row: the extra row only tells whether there is a next page."""
    if after is not None:
        statement = statement.where(id_column > after)
    return statement.order_by(id_column).limit(first + 1)


def make_connection(
    rows: Sequence[Any], first: int, count: Callable[[], Awaitable[int]]
) -> Connection:
    page = rows[:first]
    edges = [Edge(node, encode_cursor(node.id)) for node in page]
    end_cursor = edges[-1].cursor if edges else None
    return Connection(edges, PageInfo(len(rows) > first, end_cursor), count)


async def resolve_total_count(connection: Connection, _info: Any) -> int:
    return await connection.count()
