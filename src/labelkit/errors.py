"""The one error hierarchy of labelkit.

    LabelkitError
    ├── APIConnectionError            the request did not get an answer
    │   └── APITimeoutError
    ├── APIStatusError                the server answered with an error status or code
    │   ├── AuthenticationError       401 / UNAUTHENTICATED (also: no API key configured)
    │   ├── PermissionDeniedError     403 / FORBIDDEN
    │   ├── NotFoundError             404 / NOT_FOUND
    │   ├── ConflictError             409 / CONFLICT
    │   ├── RateLimitError            429 / RATE_LIMITED
    │   └── ServerError               5xx / INTERNAL
    ├── GraphQLError                  GraphQL errors without a more specific class
    │   └── ValidationError           VALIDATION: the server rejected the input
    ├── InvalidResponseError          a body that is not the GraphQL response we expect
    ├── AnnotationValidationError     an annotation breaks the ontology (also a ValueError)
    └── ExportFailedError             a snapshot export the server could not write

Every error carries the operation name and, where the server gave one, its request id.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AnnotationValidationError",
    "AuthenticationError",
    "ConflictError",
    "ExportFailedError",
    "GraphQLError",
    "InvalidResponseError",
    "LabelkitError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
]


class LabelkitError(Exception):
    """Base class of every error labelkit raises."""

    def __init__(
        self,
        message: str,
        *,
        operation: str | None = None,
        request_id: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        data: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.operation = operation
        self.request_id = request_id
        #: The GraphQL `errors` entries of the response, if any.
        self.errors: list[dict[str, Any]] = errors or []
        #: Partial `data` that came back beside the errors, if any.
        self.data = data

    @property
    def codes(self) -> list[str]:
        """`extensions.code` of each GraphQL error, in order."""
        codes = []
        for error in self.errors:
            extensions = error.get("extensions")
            if isinstance(extensions, dict) and isinstance(extensions.get("code"), str):
                codes.append(extensions["code"])
        return codes

    def __str__(self) -> str:
        context = []
        if self.operation:
            context.append(f"operation={self.operation}")
        if self.request_id:
            context.append(f"request_id={self.request_id}")
        return f"{self.message} ({', '.join(context)})" if context else self.message


class APIConnectionError(LabelkitError):
    """The server could not be reached, or the connection broke before an answer."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIStatusError(LabelkitError):
    """The server answered, and the answer is an error."""

    #: Whether the transport may send the same request again.
    retryable: bool = False

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
        **context: Any,
    ) -> None:
        super().__init__(message, **context)
        self.status_code = status_code
        #: Seconds the server asked us to wait before retrying, when it said so.
        self.retry_after = retry_after


class AuthenticationError(APIStatusError):
    """Missing or invalid API key."""


class PermissionDeniedError(APIStatusError):
    """The API key may not do this."""


class NotFoundError(APIStatusError):
    """The object does not exist, or belongs to another organization."""


class ConflictError(APIStatusError):
    """The request conflicts with existing state (a used global key, a reused idempotency key).

    Retried only when the server says the first request with the same idempotency key is
    still running: once it finishes, the retry gets its stored response.
    """

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return any(
            isinstance(error.get("extensions"), dict)
            and error["extensions"].get("reason") == "IDEMPOTENCY_KEY_IN_USE"
            for error in self.errors
        )


class RateLimitError(APIStatusError):
    """Too many requests; retried automatically until retries run out."""

    retryable = True


class ServerError(APIStatusError):
    """The server failed; 502, 503 and 504 are retried automatically."""

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status_code in (502, 503, 504)


class GraphQLError(LabelkitError):
    """The response carried GraphQL errors that map to no more specific class."""


class ValidationError(GraphQLError):
    """The server rejected the request's input (`VALIDATION`)."""


class InvalidResponseError(LabelkitError):
    """The response is not valid JSON, or does not match the typed models of this SDK version."""


class AnnotationValidationError(LabelkitError, ValueError):
    """An annotation does not fit the project's ontology; found before anything was sent.

    `row` is the index of the label, prediction or import row in the input, `annotation`
    names the annotation (its name, or its index within the row), `reason` says what is wrong.
    """

    def __init__(self, reason: str, *, row: int | None, annotation: str | None) -> None:
        where = " ".join(
            part
            for part in (
                f"row {row}" if row is not None else "",
                f"annotation {annotation}" if annotation else "",
            )
            if part
        )
        super().__init__(f"{where}: {reason}" if where else reason)
        self.row = row
        self.annotation = annotation
        self.reason = reason


class ExportFailedError(LabelkitError):
    """The server could not write a snapshot export; `errors` of the export say why."""
