"""The ASGI application: routes, middleware stack and lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ariadne.asgi import GraphQL
from ariadne.explorer import ExplorerHttp405
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .auth import AuthMiddleware
from .context import make_context
from .errors import format_error
from .execution import DocumentCache, LabelkitHTTPHandler
from .exports import export_stream
from .fast_execution import FastExecutionContext
from .faults import FaultMiddleware, FaultPlan, quiet_uvicorn_logs
from .files import serve_file
from .idempotency import IdempotencyMiddleware
from .request_id import RequestIdMiddleware
from .schema import build_schema
from .state import ServerState

__all__ = ["create_app"]


class _SilentLogger(logging.LoggerAdapter[logging.Logger]):
    """ariadne logs every GraphQL error with a traceback, including a client's typo.

    `errors.format_error` logs the unexpected ones, with the request id, instead.
    """

    def log(self, *args: object, **kwargs: object) -> None:
        return None


def create_app(
    database_url: str,
    *,
    dev_key: str | None = None,
    data_dir: str | Path | None = None,
    faults: FaultPlan | None = None,
) -> Starlette:
    """The reference server for `schema.graphql`.

    The database is migrated and bootstrapped on startup (the lifespan) or, when the lifespan
    does not run (e.g. `httpx.ASGITransport`), on the first request. `app.state.labelkit` is
    the `ServerState`; `await app.state.labelkit.ensure_started()` runs the startup explicitly.
    """
    state = ServerState(
        database_url, dev_key=dev_key, data_dir=Path(data_dir) if data_dir is not None else None
    )
    documents = DocumentCache()
    graphql_app = GraphQL(
        build_schema(),
        context_value=make_context(state),
        query_parser=documents.parse,
        query_validator=documents.validate,
        error_formatter=format_error,
        debug=False,
        explorer=ExplorerHttp405(),
        logger=_SilentLogger(logging.getLogger("ariadne"), {}),
        http_handler=LabelkitHTTPHandler(),
        execution_context_class=FastExecutionContext,
    )

    async def healthz(_request: Request) -> JSONResponse:
        await state.ensure_started()
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await state.ensure_started()
        try:
            yield
        finally:
            await state.shutdown()

    # Outermost, so that a dropped commit has already been recorded for idempotent replay.
    fault_middleware = [Middleware(FaultMiddleware, plan=faults)] if faults is not None else []
    if faults is not None:
        quiet_uvicorn_logs()
    app = Starlette(
        debug=False,
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/files/{file_id}", serve_file, methods=["GET"]),
            Route("/exports/{export_id}/stream", export_stream, methods=["GET"]),
        ],
        middleware=[
            *fault_middleware,
            Middleware(RequestIdMiddleware),
            Middleware(AuthMiddleware, state=state),
            Middleware(IdempotencyMiddleware, state=state),
        ],
        lifespan=lifespan,
    )
    app.state.labelkit = state
    return app
