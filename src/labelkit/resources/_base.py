"""What every resource manager shares: the generated client and the call wrapper."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import pydantic

from .._generated.base_model import UNSET
from ..errors import InvalidResponseError

if TYPE_CHECKING:
    from .._generated.client import GeneratedClient

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


class Resource:
    """Base of `client.projects`, `client.datasets`, ...: one manager per resource."""

    def __init__(self, api: GeneratedClient) -> None:
        self._api = api

    @staticmethod
    async def _call(operation: Awaitable[T]) -> T:
        """Awaits a generated operation; a response that breaks its model is a typed error."""
        try:
            return await operation
        except pydantic.ValidationError as exc:
            # The generated result models are named after their operation ("GetProject").
            raise InvalidResponseError(
                f"The server's response does not match this SDK's schema: {exc}",
                operation=exc.title,
            ) from exc


async def poll(
    read: Callable[[], Awaitable[T]],
    finished: Callable[[T], bool],
    *,
    pending: Callable[[T], str],
    timeout: float,
    poll_interval: float,
    max_poll_interval: float = 5.0,
) -> T:
    """Reads until `finished` holds, backing off from `poll_interval` to `max_poll_interval`;
    `TimeoutError` with `pending(last value)` after `timeout` seconds. The first read happens
    at once."""
    deadline = time.monotonic() + timeout
    interval = poll_interval
    while not finished(value := await read()):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"{pending(value)} after {timeout} s")
        await anyio.sleep(min(interval, remaining))
        interval = min(interval * 2, max_poll_interval)
    return value


def changed_fields(**given: Any) -> dict[str, Any]:
    """The arguments of an `update()` that were given (UNSET leaves a field as it is)."""
    fields = {name: value for name, value in given.items() if value is not UNSET}
    if not fields:
        raise ValueError("update() needs at least one field to change")
    return fields


def coerce_enum(enum_type: type[E], value: E | str, argument: str) -> E:
    """Accepts an enum member or its name in any case ("image", "Image", "IMAGE")."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type[str(value).upper()]
    except KeyError:
        choices = ", ".join(member.name for member in enum_type)
        raise ValueError(f"{argument} must be one of {choices}; got {value!r}") from None
