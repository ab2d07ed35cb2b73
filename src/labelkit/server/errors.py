"""Error codes, the API error type resolvers raise, and the GraphQL error formatter.

Clients only ever see messages we wrote: anything unexpected becomes "Internal server error"
with code INTERNAL, and the exception is logged here together with the request id.
"""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from typing import Any

from graphql import GraphQLError

from .request_id import current_request

__all__ = [
    "ApiError",
    "ErrorCode",
    "error_body",
    "format_error",
    "not_found",
    "validation",
]

logger = logging.getLogger("labelkit.server")

INTERNAL_MESSAGE = "Internal server error"


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    RATE_LIMITED = "RATE_LIMITED"
    INTERNAL = "INTERNAL"


class ApiError(GraphQLError):
    """An error whose message is meant for the client."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message, extensions={"code": code.value})
        self.code = code


def not_found(kind: str, object_id: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"{kind} {object_id!r} not found")


def validation(message: str) -> ApiError:
    return ApiError(ErrorCode.VALIDATION, message)


def _root_cause(error: GraphQLError) -> BaseException | None:
    """The innermost original error, or None for errors graphql-core raised itself."""
    cause: BaseException | None = error
    while isinstance(cause, GraphQLError) and not isinstance(cause, ApiError):
        if cause.original_error is None:
            return None
        cause = cause.original_error
    return cause


def format_error(error: GraphQLError, debug: bool = False) -> dict[str, Any]:
    """ariadne's `error_formatter`: every error gets `extensions.code` and `requestId`."""
    request = current_request()
    request_id = request.request_id if request is not None else None
    cause = _root_cause(error)

    if cause is None:
        # Parse, validation and coercion errors: their text describes the client's input.
        code = ErrorCode.VALIDATION.value
        message = error.message
    elif isinstance(cause, ApiError):
        code = cause.code.value
        message = cause.message
    else:
        code = ErrorCode.INTERNAL.value
        message = INTERNAL_MESSAGE
        logger.error(
            "Internal error in request %s at %s",
            request_id,
            ".".join(map(str, error.path or [])) or "<root>",
            exc_info=cause,
        )

    if code == ErrorCode.INTERNAL and request is not None:
        request.internal_error = True  # keeps the idempotency middleware from storing it
    formatted: dict[str, Any] = {"message": message}
    if error.locations:
        formatted["locations"] = [location._asdict() for location in error.locations]
    if error.path:
        formatted["path"] = error.path
    formatted["extensions"] = {"code": code, "requestId": request_id}
    return formatted


def error_body(
    code: ErrorCode, message: str, request_id: str | None, *, reason: str | None = None
) -> bytes:
    """A GraphQL-shaped error response body for errors raised outside GraphQL execution;
    `reason` refines the code for clients that act on it."""
    extensions: dict[str, str | None] = {"code": code.value, "requestId": request_id}
    if reason is not None:
        extensions["reason"] = reason
    payload = {"errors": [{"message": message, "extensions": extensions}]}
    return json.dumps(payload, separators=(",", ":")).encode()
