"""The one HTTP transport of labelkit: every request goes through `Transport.execute`.

The generated client (`labelkit._generated`) subclasses `Transport` through a thin shim, so
this module must never import `labelkit._generated` (that import would be circular).
"""

from __future__ import annotations

import email.utils
import enum
import json
import random
import re
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import IO, Any, ClassVar

import anyio
import httpx
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from ._version import __version__
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    GraphQLError,
    InvalidResponseError,
    LabelkitError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

__all__ = ["GraphQLResponse", "RetryPolicy", "Transport", "Verbatim", "new_idempotency_key"]

DEFAULT_URL = "http://127.0.0.1:8080/graphql"
USER_AGENT = f"labelkit/{__version__}"

# Seconds; replaced in tests to observe waits without sleeping.
_sleep = anyio.sleep

_CODE_TO_ERROR: dict[str, type[LabelkitError]] = {
    "UNAUTHENTICATED": AuthenticationError,
    "FORBIDDEN": PermissionDeniedError,
    "NOT_FOUND": NotFoundError,
    "CONFLICT": ConflictError,
    "RATE_LIMITED": RateLimitError,
    "INTERNAL": ServerError,
    "VALIDATION": ValidationError,
    "BAD_USER_INPUT": ValidationError,
    "GRAPHQL_VALIDATION_FAILED": ValidationError,
    "GRAPHQL_PARSE_FAILED": ValidationError,
}

_STATUS_TO_ERROR: dict[int, type[APIStatusError]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def new_idempotency_key() -> str:
    """A fresh key for one logical mutation; every retry of it reuses the key."""
    return f"lk-{uuid.uuid4().hex}"


class Verbatim:
    """A JSON value the transport sends as it is, without walking it: bulk payloads of plain
    dicts and lists cost one C-level `json.dumps` instead of a Python call per value."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How failed requests are retried: capped exponential backoff with full jitter.

    Retried: connection errors, timeouts, 429, 502, 503 and 504. Queries always; a mutation
    only when it carries an idempotency key, so that a retry is replayed, never applied twice.
    """

    max_retries: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    #: A longer Retry-After than this is cut down to it.
    retry_after_max: float = 60.0

    def wait(self, attempt_number: int, error: BaseException | None) -> float:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(min(max(retry_after, 0.0), self.retry_after_max))
        ceiling = min(self.backoff_max, self.backoff_initial * 2 ** (attempt_number - 1))
        return random.uniform(0.0, ceiling)


@dataclass(frozen=True, slots=True)
class GraphQLResponse:
    """The `data` of a successful GraphQL response, with what the server said about it."""

    data: dict[str, Any]
    status_code: int


class Transport:
    """Sends GraphQL operations over one pooled `httpx.AsyncClient`.

    Handles auth, user agent, timeouts, retries with backoff and jitter, Retry-After,
    idempotency keys, multipart uploads and the mapping of failures to `labelkit.errors`.
    """

    # Set by the generated shim to the generated `UNSET` sentinel and `Upload` class.
    UNSET_VALUE: ClassVar[Any] = object()
    UPLOAD_TYPE: ClassVar[type[Any]] = type(None)

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        api_key: str,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self._url = httpx.URL(url)  # parsed once, not on every request
        self.retry = retry or RetryPolicy()
        self._timeout = (
            timeout
            if isinstance(timeout, httpx.Timeout)
            else httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "User-Agent": USER_AGENT,
            "Content-Type": "application/json",
        }
        self._owns_http_client = http_client is None
        if http_client is None:
            # Our own client carries the defaults, so requests need not merge them each time.
            self._http = httpx.AsyncClient(
                headers=self._headers,
                timeout=self._timeout,
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
            )
            self._request_headers: dict[str, str] = {}
            self._request_timeout: httpx.Timeout | None = None
        else:
            self._http = http_client
            self._request_headers = self._headers
            self._request_timeout = self._timeout

    async def aclose(self) -> None:
        """Closes the HTTP client, unless it was passed in by the caller."""
        if self._owns_http_client:
            await self._http.aclose()

    async def execute(
        self,
        query: str,
        operation_name: str | None = None,
        variables: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> GraphQLResponse:
        """Sends one operation and returns its data, or raises a `LabelkitError`."""
        files: list[Any] = []
        files_map: dict[str, list[str]] = {}
        variables = self._to_jsonable(variables or {}, "variables", files, files_map)

        headers = self._request_headers
        if idempotency_key is not None:
            headers = {**headers, "Idempotency-Key": idempotency_key}
        request_timeout = self._request_timeout if timeout is None else httpx.Timeout(timeout)

        retryable = not _is_mutation(query, operation_name) or idempotency_key is not None
        if files:
            # httpx takes the multipart boundary from an explicit content type.
            headers = {
                **headers,
                "Content-Type": f"multipart/form-data; boundary={uuid.uuid4().hex}",
            }
            retryable = retryable and all(_seekable(f.content) for f in files)
            operations = _request_body(query, operation_name, variables).decode()
            body: dict[str, Any] = {
                "data": {"operations": operations, "map": _dumps(files_map).decode()},
                "files": files,
            }
        else:
            body = {"content": _request_body(query, operation_name, variables)}

        async def send() -> GraphQLResponse:
            return await self._send(body, headers, request_timeout, operation_name)

        # The first attempt runs outside tenacity: the common case pays nothing for retries.
        policy = self.retry
        try:
            return await send()
        except LabelkitError as error:
            if not (retryable and policy.max_retries > 0 and _is_retryable(error)):
                raise
            await _sleep(policy.wait(1, error))
        result: GraphQLResponse | None = None
        async for attempt in self._retrying(attempts=policy.max_retries, first_attempt=2):
            with attempt:
                result = await send()
        assert result is not None
        return result

    def _retrying(self, *, attempts: int, first_attempt: int = 1) -> AsyncRetrying:
        """The retry loop of every request: `attempts` tries, the waits of `self.retry`."""
        policy = self.retry
        return AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=lambda state: policy.wait(
                state.attempt_number + first_attempt - 1, _outcome_error(state)
            ),
            retry=retry_if_exception(_is_retryable),
            sleep=lambda seconds: _sleep(seconds),
            reraise=True,
        )

    async def stream_lines(
        self,
        path: str,
        params: Mapping[str, str | int] | None = None,
        *,
        operation: str | None = None,
    ) -> AsyncIterator[bytes]:
        """GETs a newline-delimited stream at `path` (relative to the GraphQL URL) line by line.

        Memory stays constant in the stream's length. A connection lost mid-stream is retried
        like any request and resumes after the last complete line: the request carries
        `offset` = lines received so far, which the server skips.
        """
        url = self._url.join(path)
        delivered = 0
        async for attempt in self._retrying(attempts=self.retry.max_retries + 1):
            with attempt:
                query = {**(params or {}), "offset": delivered}
                try:
                    async with self._http.stream(
                        "GET",
                        url,
                        params=query,
                        headers=self._request_headers,
                        timeout=self._request_timeout,
                    ) as response:
                        if response.status_code != 200:
                            await response.aread()
                            _decode(response, operation)
                            raise InvalidResponseError(
                                f"Expected a stream, got HTTP {response.status_code}",
                                operation=operation,
                            )
                        pending = b""
                        async for chunk in response.aiter_bytes():
                            lines = (pending + chunk).split(b"\n")
                            pending = lines.pop()
                            for line in lines:
                                if line:
                                    delivered += 1
                                    yield line
                        if pending:
                            delivered += 1
                            yield pending
                except httpx.TimeoutException as exc:
                    raise APITimeoutError(
                        f"Stream timed out: {exc!r}", operation=operation
                    ) from exc
                except httpx.TransportError as exc:
                    raise APIConnectionError(f"Stream broke: {exc!r}", operation=operation) from exc

    def get_data(self, response: GraphQLResponse) -> dict[str, Any]:
        """The hook the generated client calls; `execute` has already checked the response."""
        return response.data

    async def _send(
        self,
        body: dict[str, Any],
        headers: Mapping[str, str],
        timeout: httpx.Timeout | None,
        operation: str | None,
    ) -> GraphQLResponse:
        if "files" in body:
            files = body["files"]
            for upload in files:
                if not isinstance(upload.content, bytes) and _seekable(upload.content):
                    upload.content.seek(0)  # a retry sends the file again from its start
            kwargs: dict[str, Any] = {
                "data": body["data"],
                "files": {
                    str(i): (f.filename, f.content, f.content_type) for i, f in enumerate(files)
                },
            }
        else:
            kwargs = {"content": body["content"]}
        try:
            if timeout is not None:
                kwargs["timeout"] = timeout
            response = await self._http.post(self._url, headers=headers, **kwargs)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(f"Request timed out: {exc!r}", operation=operation) from exc
        except httpx.TransportError as exc:
            raise APIConnectionError(f"Connection failed: {exc!r}", operation=operation) from exc
        return _decode(response, operation)

    def _to_jsonable(
        self, value: Any, path: str, files: list[Any], files_map: dict[str, list[str]]
    ) -> Any:
        """Variables to JSON values in one pass: input models by alias, enums and dates to
        strings, UNSET left out, and each `Upload` replaced by null and recorded in `files_map`
        (graphql-multipart-request-spec)."""
        if isinstance(value, str | int | float | bool | None):
            return value
        if isinstance(value, Verbatim):
            return value.value
        if isinstance(value, BaseModel):
            return value.model_dump(by_alias=True, exclude_unset=True, mode="json")
        if isinstance(value, Mapping):
            return {
                k: self._to_jsonable(v, f"{path}.{k}", files, files_map)
                for k, v in value.items()
                if v is not self.UNSET_VALUE
            }
        if isinstance(value, list | tuple):
            return [
                self._to_jsonable(v, f"{path}.{i}", files, files_map) for i, v in enumerate(value)
            ]
        if isinstance(value, self.UPLOAD_TYPE):
            index = next((i for i, f in enumerate(files) if f is value), len(files))
            if index == len(files):
                files.append(value)
            files_map.setdefault(str(index), []).append(path)
            return None
        if isinstance(value, enum.Enum):
            return value.value
        if isinstance(value, datetime | date):
            return value.isoformat()
        return value


def _dumps(value: Any) -> bytes:
    return json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, default=_json_default
    ).encode()


def _json_default(value: Any) -> Any:
    """Values inside `Verbatim` payloads that JSON has no type for."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(by_alias=True, exclude_unset=True, mode="json")
    raise TypeError(f"{type(value).__name__} is not JSON serializable: {value!r}")


@lru_cache(maxsize=512)
def _request_head(query: str, operation_name: str | None) -> bytes:
    """The constant part of a request body, encoded once per operation."""
    return b'{"query":' + _dumps(query) + b',"operationName":' + _dumps(operation_name)


def _request_body(query: str, operation_name: str | None, variables: Any) -> bytes:
    return _request_head(query, operation_name) + b',"variables":' + _dumps(variables) + b"}"


def _seekable(content: IO[bytes] | bytes) -> bool:
    return isinstance(content, bytes) or (
        hasattr(content, "seek") and getattr(content, "seekable", lambda: False)()
    )


# Block strings, strings and comments: blanked out before looking for operation keywords.
_IGNORED = re.compile(r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n]*')
_TOKEN = re.compile(r"[{}()]|[_A-Za-z][_0-9A-Za-z]*")


@lru_cache(maxsize=512)
def _is_mutation(query: str, operation_name: str | None) -> bool:
    """Whether the operation that will run is a mutation (decides if it may be retried).

    Only top-level definitions count: a field or argument named `query` inside a fragment,
    or a keyword inside a string or comment, does not make a mutation look like a query.
    """
    tokens = _TOKEN.findall(_IGNORED.sub(" ", query))
    operations: list[tuple[str, str]] = []
    depth = 0
    for i, token in enumerate(tokens):
        if token in ("{", "("):
            depth += 1
        elif token in ("}", ")"):
            depth -= 1
        elif depth == 0 and token in ("query", "mutation", "subscription"):
            following = tokens[i + 1] if i + 1 < len(tokens) else "{"
            operations.append((token, "" if following in ("{", "(") else following))
    if not operations:
        return False  # "{ ... }" shorthand is always a query
    for kind, name in operations:
        if operation_name is None or name == operation_name:
            return kind == "mutation"
    return False


def _outcome_error(state: RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None


def _is_retryable(error: BaseException) -> bool:
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and bool(error.retryable)


def _decode(response: httpx.Response, operation: str | None) -> GraphQLResponse:
    """Reads the body before the status: a GraphQL server answers 400 with structured errors."""
    status = response.status_code
    try:
        payload = json.loads(response.content) if response.content else None
    except ValueError:
        payload = None

    if isinstance(payload, dict) and payload.get("errors"):
        raise _graphql_error(payload, response, operation)
    request_id = response.headers.get("x-request-id")
    if status >= 400:
        error_class = _STATUS_TO_ERROR.get(status, ServerError if status >= 500 else APIStatusError)
        raise error_class(
            f"HTTP {status}: {response.reason_phrase}",
            status_code=status,
            retry_after=_retry_after(response.headers.get("retry-after")),
            operation=operation,
            request_id=request_id,
        )
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise InvalidResponseError(
            f"Expected a GraphQL response with data, got HTTP {status} "
            f"({response.headers.get('content-type', 'no content type')})",
            operation=operation,
            request_id=request_id,
        )
    return GraphQLResponse(data=payload["data"], status_code=status)


def _graphql_error(
    payload: dict[str, Any], response: httpx.Response, operation: str | None
) -> LabelkitError:
    errors = [e if isinstance(e, dict) else {"message": str(e)} for e in payload["errors"]]
    first = errors[0]
    extensions = first.get("extensions") if isinstance(first.get("extensions"), dict) else {}
    assert isinstance(extensions, dict)
    request_id = response.headers.get("x-request-id") or extensions.get("requestId")
    message = str(first.get("message", "GraphQL error"))
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more errors)"
    status = response.status_code

    error_class = _CODE_TO_ERROR.get(str(extensions.get("code")))
    if error_class is None and status != 400:
        error_class = _STATUS_TO_ERROR.get(status) or (ServerError if status >= 500 else None)
    error_class = error_class or GraphQLError
    context: dict[str, Any] = {
        "operation": operation,
        "request_id": request_id,
        "errors": errors,
        "data": payload.get("data"),
    }
    if issubclass(error_class, APIStatusError):
        retry_after = _retry_after(response.headers.get("retry-after"))
        if retry_after is None and isinstance(extensions.get("retryAfter"), int | float):
            retry_after = float(extensions["retryAfter"])
        return error_class(message, status_code=status, retry_after=retry_after, **context)
    return error_class(message, **context)


def _retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: either delay-seconds or an HTTP-date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
