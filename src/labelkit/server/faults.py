"""Fault injection for tests and benchmarks: `labelkit serve --faults "429=0.1,reset=0.05"`.

The outermost middleware draws once per `POST /graphql` from a seeded random generator, so a
run with the same seed and the same request order sees the same faults. Faults:

- `429`: answered with 429, `Retry-After` and a RATE_LIMITED error; the request does not run.
- `503`: answered with 503; the request does not run.
- `reset`: the connection is cut before anything runs (the client sees a transport error).
- `commit_then_drop`: the request runs to the end (its writes commit and its idempotency
  record is stored), then the connection is cut before the body reaches the client.

Cutting a connection from ASGI: the response is started with a Content-Length and the
application then raises, which makes the server abort the connection mid-response.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ErrorCode, error_body

__all__ = ["FAULT_KINDS", "FaultMiddleware", "FaultPlan", "InjectedDisconnect"]

logger = logging.getLogger("labelkit.server.faults")

FAULT_KINDS = ("429", "503", "reset", "commit_then_drop")


class InjectedDisconnect(Exception):
    """Raised after starting a response, so that the server drops the connection."""


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Probabilities per fault kind (summing to at most 1), a seed and the Retry-After."""

    rates: dict[str, float]
    seed: int = 0
    retry_after: float = 1.0
    _kinds: tuple[tuple[float, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            if kind not in FAULT_KINDS:
                raise ValueError(
                    f"unknown fault {kind!r}; expected one of {', '.join(FAULT_KINDS)}"
                )
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault {kind!r}: probability must be between 0 and 1, got {rate}")
        total = sum(self.rates.values())
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities add up to {total:g}; at most 1 is possible")
        if self.retry_after < 0:
            raise ValueError(f"Retry-After must be >= 0 seconds, got {self.retry_after}")
        thresholds: list[tuple[float, str]] = []
        upper = 0.0
        for kind in FAULT_KINDS:  # a fixed order, so a spec's order does not change the draws
            if self.rates.get(kind):
                upper += self.rates[kind]
                thresholds.append((upper, kind))
        object.__setattr__(self, "_kinds", tuple(thresholds))

    @classmethod
    def parse(cls, spec: str, *, seed: int = 0, retry_after: float = 1.0) -> FaultPlan:
        """`"429=0.1,503=0.05,reset=0.05,commit_then_drop=0.05"` -> a plan; ValueError if bad."""
        rates: dict[str, float] = {}
        for item in spec.split(","):
            item = item.strip()
            if not item:
                continue
            kind, sep, value = item.partition("=")
            kind = kind.strip()
            if not sep:
                raise ValueError(f"expected KIND=PROBABILITY, got {item!r}")
            if kind in rates:
                raise ValueError(f"fault {kind!r} is given twice")
            try:
                rates[kind] = float(value)
            except ValueError:
                raise ValueError(f"fault {kind!r}: {value.strip()!r} is not a number") from None
        if not rates:
            raise ValueError("no faults given; expected e.g. '429=0.1,reset=0.05'")
        return cls(rates, seed=seed, retry_after=retry_after)

    def pick(self, draw: float) -> str | None:
        for upper, kind in self._kinds:
            if draw < upper:
                return kind
        return None


class FaultMiddleware:
    def __init__(self, app: ASGIApp, plan: FaultPlan, path: str = "/graphql") -> None:
        self.app = app
        self.plan = plan
        self.path = path
        self._random = random.Random(plan.seed)
        self._count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        self._count += 1
        kind = self.plan.pick(self._random.random())
        if kind is None:
            await self.app(scope, receive, send)
            return
        logger.debug("injecting fault %s into request #%d", kind, self._count)
        if kind == "commit_then_drop":
            await self._run_then_drop(scope, receive, send)
            return
        await _drain(receive)
        if kind == "reset":
            await _start_and_drop(send, 200, [])
        elif kind == "429":
            retry_after = f"{self.plan.retry_after:g}".encode()
            await _respond(
                send, 429, ErrorCode.RATE_LIMITED, "Rate limited (injected fault)", retry_after
            )
        else:
            await _respond(send, 503, ErrorCode.INTERNAL, "Service unavailable (injected fault)")

    async def _run_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message | None = None

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            # The body is dropped: the client must never see it.

        await self.app(scope, receive, hold)
        headers: list[Any] = [] if start is None else list(start.get("headers", []))
        await _start_and_drop(send, 200 if start is None else int(start["status"]), headers)


async def _drain(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


async def _respond(
    send: Send, status: int, code: ErrorCode, message: str, retry_after: bytes | None = None
) -> None:
    body = error_body(code, message, None)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _start_and_drop(send: Send, status: int, headers: list[Any]) -> None:
    # A promised length that is never delivered: the client cannot mistake it for a response.
    kept = [(name, value) for name, value in headers if name.lower() != b"content-length"]
    kept.append((b"content-length", b"1048576"))
    await send({"type": "http.response.start", "status": status, "headers": kept})
    raise InjectedDisconnect("injected fault: connection dropped")


class _QuietInjectedDisconnects(logging.Filter):
    """uvicorn logs an application exception with a traceback; an injected one is expected."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, InjectedDisconnect)


def quiet_uvicorn_logs() -> None:
    uvicorn_errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietInjectedDisconnects) for f in uvicorn_errors.filters):
        uvicorn_errors.addFilter(_QuietInjectedDisconnects())
